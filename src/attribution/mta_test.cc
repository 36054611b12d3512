#include "attribution/mta.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "attribution/paths.h"

namespace unmogrowp {
namespace {

constexpr MtaModel kAllModels[] = {
    MtaModel::kFirst,         MtaModel::kLast,   MtaModel::kLinear, MtaModel::kTimeDecay,
    MtaModel::kPositionBased, MtaModel::kMarkov, MtaModel::kShapley};

TEST(MtaModelTest, NamesRoundTrip) {
  for (MtaModel m : kAllModels) EXPECT_EQ(ParseMtaModel(MtaModelName(m)), m);
  EXPECT_EQ(MtaModelName(MtaModel::kPositionBased), "position_based");
  EXPECT_EQ(ParseMtaModel("time_decay"), MtaModel::kTimeDecay);
  EXPECT_EQ(ParseMtaModel("Last"), std::nullopt);
  EXPECT_EQ(ParseMtaModel(""), std::nullopt);
}

// `channels` real channels (ids 0..channels-1), then (organic), then (other);
// every path 0..7 touchpoints long, converting ones 1 in 8 empty, revenue
// 0 or up to 100.
struct RandomInput {
  MtaInput input;
  std::vector<std::string> names;
  uint32_t organic = 0, other = 0;
  double conversions = 0, revenue = 0;
};

RandomInput MakeRandomInput(uint32_t channels, uint64_t seed) {
  RandomInput r;
  r.organic = channels;
  r.other = channels + 1;
  r.input.num_channels = channels + 2;
  for (uint32_t c = 0; c < channels; ++c) r.names.push_back("net_" + std::to_string(c % 7));
  r.names.push_back("(organic)");
  r.names.push_back("(other)");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> channel(0, channels - 1);
  std::uniform_int_distribution<int> length(1, 7);
  std::uniform_int_distribution<int64_t> age_ms(0, 30LL * 86'400'000);
  std::uniform_real_distribution<double> revenue(0, 100);
  constexpr int64_t kTs = 1'717'000'000'000;
  for (int p = 0; p < 3000; ++p) {
    const bool converting = p % 3 != 0;
    const int n = converting && p % 8 == 1 ? 0 : length(rng);
    std::vector<uint32_t> path;
    std::vector<int64_t> ts;
    for (int i = 0; i < n; ++i) {
      path.push_back(channel(rng));
      ts.push_back(kTs - age_ms(rng));
    }
    std::sort(ts.begin(), ts.end());
    if (converting) {
      const double value = p % 2 == 0 ? 0 : revenue(rng);
      r.input.converting.Add(path, ts, kTs, value);
      r.conversions += 1;
      r.revenue += value;
    } else {
      r.input.non_converting.Add(path);
    }
  }
  return r;
}

TEST(ComputeCreditTest, EveryModelSumsToTheTotals) {
  // 5 channels; 12 (Markov on 12 states); 30 (Shapley merges into (other)).
  for (uint32_t channels : {5u, 12u, 30u}) {
    const RandomInput r = MakeRandomInput(channels, 42 + channels);
    MtaParams params;
    params.organic_channel = r.organic;
    params.other_channel = r.other;
    params.time_decay_half_life_hours = 36;
    params.channel_names = r.names;
    for (MtaModel m : kAllModels) {
      Result<std::vector<ChannelCredit>> credit = ComputeCredit(m, r.input, params);
      ASSERT_TRUE(credit.ok()) << MtaModelName(m) << ": " << credit.status().ToString();
      ASSERT_EQ(credit->size(), r.input.num_channels);
      double conversions = 0, revenue = 0;
      for (const ChannelCredit& c : *credit) {
        ASSERT_TRUE(std::isfinite(c.conversions) && std::isfinite(c.revenue));
        conversions += c.conversions;
        revenue += c.revenue;
      }
      EXPECT_NEAR(conversions, r.conversions, 1e-9 * r.conversions)
          << MtaModelName(m) << ", " << channels << " channels";
      EXPECT_NEAR(revenue, r.revenue, 1e-9 * r.revenue)
          << MtaModelName(m) << ", " << channels << " channels";
      // Organic conversions (empty paths) land in the (organic) row in every model.
      EXPECT_GT((*credit)[r.organic].conversions, 0) << MtaModelName(m);
      if (m != MtaModel::kShapley || channels <= 20) {
        EXPECT_EQ((*credit)[r.other], ChannelCredit{}) << MtaModelName(m);
      }
    }
  }
}

TEST(ComputeCreditTest, EndToEndFromDeviceEvents) {
  // Channels: 0 "ads", 1 "mail", 2 (organic). Range days 1..10, lookback 30.
  constexpr int64_t kDay = 86'400'000;
  MtaInput input;
  input.num_channels = 3;
  const PathOptions options{1 * kDay, 10 * kDay + kDay - 1, 30};
  // Device 1: ads (day 2), mail (day 3), install (day 4, revenue 0).
  std::vector<PathTouchpoint> t1 = {{3 * kDay, 2, 1}, {2 * kDay, 1, 0}};
  std::vector<PathConversion> c1 = {{4 * kDay, 3, 0}};
  // Device 2: install (day 5) with no touchpoint -> organic.
  std::vector<PathTouchpoint> t2;
  std::vector<PathConversion> c2 = {{5 * kDay, 1, 0}};
  // Device 3: mail (day 6), no conversion -> non-converting [mail].
  std::vector<PathTouchpoint> t3 = {{6 * kDay, 1, 1}};
  std::vector<PathConversion> c3;
  AppendDevicePaths(t1, c1, options, &input);
  AppendDevicePaths(t2, c2, options, &input);
  AppendDevicePaths(t3, c3, options, &input);

  MtaParams params;
  params.organic_channel = 2;
  // last: mail 1, organic 1.  first: ads 1, organic 1.  linear: 0.5 / 0.5, organic 1.
  EXPECT_EQ(*ComputeCredit(MtaModel::kLast, input, params),
            (std::vector<ChannelCredit>{{0, 0}, {1, 0}, {1, 0}}));
  EXPECT_EQ(*ComputeCredit(MtaModel::kFirst, input, params),
            (std::vector<ChannelCredit>{{1, 0}, {0, 0}, {1, 0}}));
  EXPECT_EQ(*ComputeCredit(MtaModel::kLinear, input, params),
            (std::vector<ChannelCredit>{{0.5, 0}, {0.5, 0}, {1, 0}}));
  // markov: start->ads 1, start->mail 1; ads->mail 1; mail->conversion 1,
  // mail->null 1. y_mail = 1/2, y_ads = 1/2, P = 1/2. Without ads: P = 1/4,
  // RE = 1/2; without mail: P = 0, RE = 1. Credits ads 1/3, mail 2/3.
  Result<std::vector<ChannelCredit>> markov = ComputeCredit(MtaModel::kMarkov, input, params);
  ASSERT_TRUE(markov.ok());
  EXPECT_NEAR((*markov)[0].conversions, 1.0 / 3, 1e-12);
  EXPECT_NEAR((*markov)[1].conversions, 2.0 / 3, 1e-12);
  EXPECT_EQ((*markov)[2], (ChannelCredit{1, 0}));
}

TEST(ComputeCreditTest, RejectsBadInput) {
  MtaInput input;
  input.num_channels = 2;
  input.converting.Add(std::vector<uint32_t>{2}, std::vector<int64_t>{0}, 0, 0);
  MtaParams params;
  Result<std::vector<ChannelCredit>> r = ComputeCredit(MtaModel::kLast, input, params);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "converting.channels");

  input = MtaInput{};
  input.num_channels = 2;
  input.converting.channels = {0, 1};
  input.converting.touch_ts_ms = {0};
  EXPECT_EQ(ComputeCredit(MtaModel::kLast, input, params).status().field(),
            "converting.touch_ts_ms");

  input = MtaInput{};
  input.num_channels = 2;
  input.non_converting.channels = {0};
  EXPECT_EQ(ComputeCredit(MtaModel::kMarkov, input, params).status().field(),
            "non_converting.offsets");

  input = MtaInput{};
  input.num_channels = 2;
  params.organic_channel = 2;
  EXPECT_EQ(ComputeCredit(MtaModel::kLast, input, params).status().field(), "organic_channel");
  params.organic_channel = 0;
  params.time_decay_half_life_hours = 0;
  EXPECT_EQ(ComputeCredit(MtaModel::kTimeDecay, input, params).status().field(),
            "time_decay_half_life_hours");
  params.time_decay_half_life_hours = std::nan("");
  EXPECT_EQ(ComputeCredit(MtaModel::kTimeDecay, input, params).status().field(),
            "time_decay_half_life_hours");
  params.other_channel = 5;
  EXPECT_EQ(ComputeCredit(MtaModel::kShapley, input, params).status().field(), "other_channel");
}

}  // namespace
}  // namespace unmogrowp
