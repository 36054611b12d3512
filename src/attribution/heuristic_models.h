#pragma once

// Heuristic multi-touch models (ATTRIBUTION.md): fixed weights over one
// conversion's path t1..tn (time order), summing to 1. A conversion's value
// is 1 conversion and its revenue, both split with the same weights and
// added into a per-channel accumulator indexed by channel id. Nothing is
// allocated per path. Pure functions; the accumulator is the caller's.
//
// - first: t1 gets 1.  last: tn gets 1.  linear: 1/n each.
// - time_decay: w_i = 2^(-(C.ts - t_i.ts) / half_life), normalized (C.ts
//   cancels in the normalization, so only the touchpoint times are needed).
// - position_based: n=1 -> 1; n=2 -> 0.5 each; n>=3 -> t1 0.4, tn 0.4, the
//   n-2 middle touchpoints 0.2/(n-2) each.
// An empty path (organic conversion) gives its whole value to
// `organic_channel`, in every model.
//
// Cost: O(n) per path; time_decay one exp2 per touchpoint (two for paths
// longer than 64).

#include <cstdint>
#include <span>

#include "attribution/mta_input.h"

namespace unmogrowp {

enum class HeuristicModel : uint8_t { kFirst, kLast, kLinear, kTimeDecay, kPositionBased };

struct HeuristicParams {
  // Time-decay half-life in ms (AppSettings::time_decay_half_life_hours *
  // 3'600'000); > 0. Ignored by the other models.
  double half_life_ms = 168 * 3'600'000.0;
  uint32_t organic_channel = 0;
};

// Credits one conversion. `touch_ts_ms` is parallel to `channels` (read by
// time_decay only; may be empty for the others). Every channel id, and
// `organic_channel`, must be below credit.size().
void AddPathCredit(HeuristicModel model, std::span<const uint32_t> channels,
                   std::span<const int64_t> touch_ts_ms, double revenue,
                   const HeuristicParams& params, std::span<ChannelCredit> credit);

// Credits every path of `paths`; same contract as AddPathCredit.
void AddHeuristicCredit(HeuristicModel model, const ConvertingPaths& paths,
                        const HeuristicParams& params, std::span<ChannelCredit> credit);

}  // namespace unmogrowp
