#pragma once

// Multi-touch attribution entry point for a report: one call that validates
// an MtaInput and credits it with the requested model (ATTRIBUTION.md,
// "Multi-touch attribution"). Pure: any thread may call it.
//
// A report endpoint: map channel names to ids (reserving ids for `(organic)`
// and `(other)`), AppendDevicePaths (paths.h) per device, then
// ComputeCredit. The result has one row per channel id; organic conversions
// (empty paths) are in the `(organic)` row in every model, so the rows sum
// to all the conversions in range and all their revenue (up to rounding).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attribution/mta_input.h"
#include "core/result.h"

namespace unmogrowp {

enum class MtaModel : uint8_t {
  kFirst,
  kLast,
  kLinear,
  kTimeDecay,
  kPositionBased,
  kMarkov,
  kShapley,
};

// The API's names: "first", "last", "linear", "time_decay",
// "position_based", "markov", "shapley".
std::string_view MtaModelName(MtaModel model);
std::optional<MtaModel> ParseMtaModel(std::string_view name);

struct MtaParams {
  // Channel id of the `(organic)` row; < num_channels.
  uint32_t organic_channel = 0;
  // Channel id of the `(other)` row (shapley with more than 20 channels); <
  // num_channels.
  uint32_t other_channel = 0;
  // AppSettings::time_decay_half_life_hours; finite and > 0 (time_decay).
  double time_decay_half_life_hours = 168;
  // Channel names by id (shapley with more than 20 channels: the tie-break).
  std::span<const std::string> channel_names;
};

// Credit per channel id (size input.num_channels). InvalidArgument for an
// inconsistent input or bad params (the field named); ResourceExhausted for
// markov with more than kMaxMarkovChannels channels.
Result<std::vector<ChannelCredit>> ComputeCredit(MtaModel model, const MtaInput& input,
                                                 const MtaParams& params);

}  // namespace unmogrowp
