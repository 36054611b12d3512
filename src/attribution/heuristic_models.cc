#include "attribution/heuristic_models.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace unmogrowp {

namespace {

// Paths up to this long keep their time-decay weights on the stack; longer
// ones compute each weight twice rather than allocate.
constexpr size_t kStackWeights = 64;

inline void Give(ChannelCredit& c, double weight, double revenue) {
  c.conversions += weight;
  c.revenue += weight * revenue;
}

// `inv_half_life` is 1 / half_life_ms.
inline void AddTimeDecay(const uint32_t* ch, const int64_t* ts, size_t n, double revenue,
                         double inv_half_life, ChannelCredit* credit) {
  // 2^(-(C.ts - t_i)/h) normalized equals 2^((t_i - t_max)/h) normalized: the
  // common factor cancels, and taking it out keeps the youngest weight at 1,
  // so the sum never underflows to 0 however short the half-life.
  int64_t t_max = ts[0];
  for (size_t i = 1; i < n; ++i) t_max = std::max(t_max, ts[i]);
  auto weight = [&](size_t i) {
    return std::exp2(static_cast<double>(ts[i] - t_max) * inv_half_life);
  };
  double w[kStackWeights];
  const bool on_stack = n <= kStackWeights;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double wi = weight(i);
    if (on_stack) w[i] = wi;
    sum += wi;
  }
  const double scale = 1.0 / sum;
  for (size_t i = 0; i < n; ++i)
    Give(credit[ch[i]], (on_stack ? w[i] : weight(i)) * scale, revenue);
}

template <HeuristicModel kModel>
inline void AddOne(const uint32_t* ch, const int64_t* ts, size_t n, double revenue,
                   const HeuristicParams& params, double inv_half_life, ChannelCredit* credit) {
  if (n == 0) {
    Give(credit[params.organic_channel], 1, revenue);
    return;
  }
  if constexpr (kModel == HeuristicModel::kFirst) {
    Give(credit[ch[0]], 1, revenue);
  } else if constexpr (kModel == HeuristicModel::kLast) {
    Give(credit[ch[n - 1]], 1, revenue);
  } else if constexpr (kModel == HeuristicModel::kLinear) {
    const double w = 1.0 / static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) Give(credit[ch[i]], w, revenue);
  } else if constexpr (kModel == HeuristicModel::kTimeDecay) {
    AddTimeDecay(ch, ts, n, revenue, inv_half_life, credit);
  } else {
    static_assert(kModel == HeuristicModel::kPositionBased);
    if (n == 1) {
      Give(credit[ch[0]], 1, revenue);
    } else if (n == 2) {
      Give(credit[ch[0]], 0.5, revenue);
      Give(credit[ch[1]], 0.5, revenue);
    } else {
      Give(credit[ch[0]], 0.4, revenue);
      Give(credit[ch[n - 1]], 0.4, revenue);
      const double w = 0.2 / static_cast<double>(n - 2);
      for (size_t i = 1; i + 1 < n; ++i) Give(credit[ch[i]], w, revenue);
    }
  }
}

template <HeuristicModel kModel>
void AddAll(const ConvertingPaths& paths, const HeuristicParams& params,
            std::span<ChannelCredit> credit) {
  const double inv_half_life = 1.0 / params.half_life_ms;
  const uint32_t* ch = paths.channels.data();
  const int64_t* ts = paths.touch_ts_ms.data();
  const uint64_t* offsets = paths.offsets.data();
  const double* revenue = paths.revenue.data();
  const size_t num_paths = paths.size();
  for (size_t p = 0; p < num_paths; ++p) {
    const uint64_t begin = offsets[p];
    const size_t n = offsets[p + 1] - begin;
    AddOne<kModel>(ch + begin, kModel == HeuristicModel::kTimeDecay ? ts + begin : nullptr, n,
                   revenue[p], params, inv_half_life, credit.data());
  }
}

}  // namespace

void AddPathCredit(HeuristicModel model, std::span<const uint32_t> channels,
                   std::span<const int64_t> touch_ts_ms, double revenue,
                   const HeuristicParams& params, std::span<ChannelCredit> credit) {
  assert(model != HeuristicModel::kTimeDecay || touch_ts_ms.size() == channels.size());
  const uint32_t* ch = channels.data();
  const int64_t* ts = touch_ts_ms.data();
  const size_t n = channels.size();
  const double inv = 1.0 / params.half_life_ms;
  switch (model) {
    case HeuristicModel::kFirst:
      return AddOne<HeuristicModel::kFirst>(ch, ts, n, revenue, params, inv, credit.data());
    case HeuristicModel::kLast:
      return AddOne<HeuristicModel::kLast>(ch, ts, n, revenue, params, inv, credit.data());
    case HeuristicModel::kLinear:
      return AddOne<HeuristicModel::kLinear>(ch, ts, n, revenue, params, inv, credit.data());
    case HeuristicModel::kTimeDecay:
      return AddOne<HeuristicModel::kTimeDecay>(ch, ts, n, revenue, params, inv, credit.data());
    case HeuristicModel::kPositionBased:
      return AddOne<HeuristicModel::kPositionBased>(ch, ts, n, revenue, params, inv, credit.data());
  }
}

void AddHeuristicCredit(HeuristicModel model, const ConvertingPaths& paths,
                        const HeuristicParams& params, std::span<ChannelCredit> credit) {
  switch (model) {
    case HeuristicModel::kFirst:
      return AddAll<HeuristicModel::kFirst>(paths, params, credit);
    case HeuristicModel::kLast:
      return AddAll<HeuristicModel::kLast>(paths, params, credit);
    case HeuristicModel::kLinear:
      return AddAll<HeuristicModel::kLinear>(paths, params, credit);
    case HeuristicModel::kTimeDecay:
      return AddAll<HeuristicModel::kTimeDecay>(paths, params, credit);
    case HeuristicModel::kPositionBased:
      return AddAll<HeuristicModel::kPositionBased>(paths, params, credit);
  }
}

}  // namespace unmogrowp
