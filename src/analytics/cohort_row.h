#pragma once

// Rows of table kCohorts: one per app, install day and channel (the install's
// attribution, keyed like the install rollup: store::RollupKey), holding the
// cohort's size and, per day N after the install (0..kMaxCohortDay), how many
// of its devices had any event on day N and their revenue on that day --
// what GET /v1/apps/{id}/cohorts reads (retention share and cumulative
// revenue to day N). Plain values and pure codecs
// (docs/formats/state-store.md).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace unmogrowp::analytics {

// Days after the install that cohorts track (a year).
inline constexpr int64_t kMaxCohortDay = 365;

struct CohortCell {
  int64_t day = 0;     // N: days after the install day
  int64_t active = 0;  // devices with any event on day N
  double revenue = 0;  // revenue of the cohort's events on day N

  bool operator==(const CohortCell&) const = default;
};

struct CohortRow {
  int64_t installs = 0;
  std::vector<CohortCell> cells;  // ascending day, no duplicates

  bool operator==(const CohortRow&) const = default;
  // The cell of day N, created when missing.
  CohortCell& Cell(int64_t day);
  void Add(const CohortRow& other);
};

// Value: version byte, signed varint installs, varint cell count, then per
// cell: varint day, signed varint active, f64 revenue.
std::string EncodeCohortRow(const CohortRow& row);
Result<CohortRow> DecodeCohortRow(std::string_view bytes);

}  // namespace unmogrowp::analytics
