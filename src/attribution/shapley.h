#pragma once

// Shapley model with conversion-rate value (ATTRIBUTION.md, `shapley`).
// Players are the channels on the (non-empty) paths. For a coalition S,
// v(S) = conversions / (conversions + non-conversions) over the paths whose
// SET of distinct channels is a subset of S; v = 0 when there are none, and
// v(empty) = 0. phi_k is the exact Shapley value
//   phi_k = sum over S not containing k of |S|! (n-|S|-1)! / n! (v(S+k) - v(S)).
// Credit_k = total * phi_k / sum_j phi_j (conversions and revenue, totals
// over the non-empty converting paths); when sum phi <= 0 each converting
// path's value is split equally over its distinct channels instead. Credits
// may be negative.
//
// With more than kMaxShapleyPlayers distinct channels, the
// kMaxShapleyPlayers - 1 most frequent (by the number of paths, converting
// and not, that contain them; ties by name, ascending byte order) are kept
// and the rest merged into the `(other)` channel before anything is
// computed.
//
// Cost: O(L) over the touchpoints to turn each path into a bitmask of its
// channels and aggregate counts per mask, then O(n 2^n) for the subset sums
// (zeta transform) and for phi; memory O(2^n) doubles (n = 20: 2^20 masks,
// ~25 MB). Pure functions; any thread may call them.
//
// Note: by efficiency, sum phi = v(all) - v(empty) = converting / all paths,
// so sum phi <= 0 exactly when there is no converting path; the fallback then
// credits nothing. It is kept because the rule says so.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "attribution/mta_input.h"
#include "core/result.h"

namespace unmogrowp {

inline constexpr size_t kMaxShapleyPlayers = 20;

struct ShapleyOptions {
  // The id that stands for `(other)` when channels are merged (< num_channels).
  uint32_t other_channel = 0;
  // Names by channel id, for the tie-break when channels are merged; needed
  // (size num_channels) only when there are more than kMaxShapleyPlayers.
  std::span<const std::string> channel_names;
};

struct ShapleyValues {
  // The players' channel ids (bit i of a coalition is players[i]); with
  // merging, the last one is options.other_channel.
  std::vector<uint32_t> players;
  std::vector<double> phi;  // parallel to players
};

// `input` must be valid (ValidateMtaInput). InvalidArgument (field
// "channel_names") when channels must be merged and the names are missing.
Result<ShapleyValues> ComputeShapleyValues(const MtaInput& input, const ShapleyOptions& options);

// Adds the credits above into `credit` (indexed by channel id, size >=
// num_channels); empty converting paths (organic) go wholly to `organic_channel`.
Status AddShapleyCredit(const MtaInput& input, const ShapleyOptions& options,
                        uint32_t organic_channel, std::span<ChannelCredit> credit);

}  // namespace unmogrowp
