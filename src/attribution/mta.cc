#include "attribution/mta.h"

#include <array>
#include <cmath>

#include "attribution/heuristic_models.h"
#include "attribution/markov.h"
#include "attribution/shapley.h"

namespace unmogrowp {

namespace {

constexpr std::array<std::string_view, 7> kModelNames = {
    "first", "last", "linear", "time_decay", "position_based", "markov", "shapley",
};

// ComputeCredit hands a heuristic MtaModel to the HeuristicModel of the same name.
static_assert(static_cast<int>(MtaModel::kFirst) == static_cast<int>(HeuristicModel::kFirst));
static_assert(static_cast<int>(MtaModel::kLast) == static_cast<int>(HeuristicModel::kLast));
static_assert(static_cast<int>(MtaModel::kLinear) == static_cast<int>(HeuristicModel::kLinear));
static_assert(static_cast<int>(MtaModel::kTimeDecay) ==
              static_cast<int>(HeuristicModel::kTimeDecay));
static_assert(static_cast<int>(MtaModel::kPositionBased) ==
              static_cast<int>(HeuristicModel::kPositionBased));

Status ValidateParams(MtaModel model, const MtaInput& input, const MtaParams& params) {
  if (params.organic_channel >= input.num_channels) {
    return Status::InvalidArgument("organic_channel", "must be below num_channels");
  }
  if (model == MtaModel::kShapley && params.other_channel >= input.num_channels) {
    return Status::InvalidArgument("other_channel", "must be below num_channels");
  }
  if (model == MtaModel::kTimeDecay && !(std::isfinite(params.time_decay_half_life_hours) &&
                                         params.time_decay_half_life_hours > 0)) {
    return Status::InvalidArgument("time_decay_half_life_hours", "must be finite and > 0");
  }
  return Status::OK();
}

}  // namespace

std::string_view MtaModelName(MtaModel model) { return kModelNames[static_cast<size_t>(model)]; }

std::optional<MtaModel> ParseMtaModel(std::string_view name) {
  for (size_t i = 0; i < kModelNames.size(); ++i) {
    if (kModelNames[i] == name) return static_cast<MtaModel>(i);
  }
  return std::nullopt;
}

Result<std::vector<ChannelCredit>> ComputeCredit(MtaModel model, const MtaInput& input,
                                                 const MtaParams& params) {
  UM_RETURN_IF_ERROR(ValidateMtaInput(input));
  UM_RETURN_IF_ERROR(ValidateParams(model, input, params));
  std::vector<ChannelCredit> credit(input.num_channels);
  switch (model) {
    case MtaModel::kFirst:
    case MtaModel::kLast:
    case MtaModel::kLinear:
    case MtaModel::kTimeDecay:
    case MtaModel::kPositionBased: {
      const HeuristicParams heuristic{params.time_decay_half_life_hours * 3'600'000.0,
                                      params.organic_channel};
      AddHeuristicCredit(static_cast<HeuristicModel>(model), input.converting, heuristic, credit);
      break;
    }
    case MtaModel::kMarkov:
      UM_RETURN_IF_ERROR(AddMarkovCredit(input, params.organic_channel, credit));
      break;
    case MtaModel::kShapley:
      UM_RETURN_IF_ERROR(
          AddShapleyCredit(input, ShapleyOptions{params.other_channel, params.channel_names},
                           params.organic_channel, credit));
      break;
  }
  return credit;
}

}  // namespace unmogrowp
