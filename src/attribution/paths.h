#pragma once

// Path building for multi-touch attribution (ATTRIBUTION.md, "Multi-touch
// attribution"): one device's touchpoints and conversions in, its converting
// paths and its non-converting path out, appended to an MtaInput. Pure: no
// state between calls; any thread may call it on its own data.
//
// Order is (ts, seq): event time, ties broken by arrival (`seq`, comparable
// across one device's touchpoints and conversions; the later received is the
// later). For conversion C with previous conversion P of the same type, C's
// path is every touchpoint T with
//   P < T <= C in (ts, seq) order, and C.ts - T.ts <= lookback,
// in time order. The device's non-converting path is its touchpoints with
// from <= ts <= to that come after its last conversion with ts <= to (all of
// them when there is none), appended only when non-empty.
//
// The caller's jobs: pass only conversions of the requested type, and for
// `install` only the device's first install; pass the device's conversions
// before `from` too (at least the last one), since P may lie before the
// range and still cuts the path. Conversions after `to` are ignored.

#include <cstdint>
#include <span>

#include "attribution/mta_input.h"

namespace unmogrowp {

struct PathTouchpoint {
  int64_t ts_ms = 0;
  uint64_t seq = 0;
  uint32_t channel = 0;
};

struct PathConversion {
  int64_t ts_ms = 0;
  uint64_t seq = 0;
  double revenue = 0;  // 0 when absent
};

struct PathOptions {
  // The report range, inclusive at both ends, in ms (API dates `from`..`to`
  // are [from 00:00:00.000, to 23:59:59.999] UTC).
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  // AppSettings::mta_lookback_days: the max age of a path's touchpoint;
  // inclusive (age exactly the lookback is in, 1 ms more is out).
  int64_t mta_lookback_days = 30;
};

// Appends to `out` one converting path per conversion with ts in [from, to]
// (an empty one for an organic conversion) in (ts, seq) order, then the
// non-converting path when non-empty. Sorts both spans in place by (ts, seq)
// (the only effect on them); they may come in any order.
void AppendDevicePaths(std::span<PathTouchpoint> touchpoints, std::span<PathConversion> conversions,
                       const PathOptions& options, MtaInput* out);

}  // namespace unmogrowp
