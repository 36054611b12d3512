#include "attribution/heuristic_models.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace unmogrowp {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kConversionTs = 1'717'000'000'000;
constexpr uint32_t kA = 0, kB = 1, kC = 2, kD = 3, kE = 4, kOrganic = 5;
constexpr double kEps = 1e-12;

// Credit of one path per channel id 0..5.
std::vector<ChannelCredit> Credit(HeuristicModel model, const std::vector<uint32_t>& channels,
                                  double revenue, double half_life_hours = 168,
                                  std::vector<int64_t> ages_hours = {}) {
  std::vector<int64_t> ts;
  for (int64_t age : ages_hours) ts.push_back(kConversionTs - age * kHour);
  if (ts.empty()) ts.assign(channels.size(), kConversionTs);
  std::vector<ChannelCredit> credit(6);
  AddPathCredit(model, channels, ts, revenue, {half_life_hours * kHour, kOrganic}, credit);
  return credit;
}

void ExpectWeights(const std::vector<ChannelCredit>& credit, const std::vector<double>& want,
                   double revenue) {
  ASSERT_EQ(credit.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(credit[i].conversions, want[i], kEps) << "channel " << i;
    EXPECT_NEAR(credit[i].revenue, want[i] * revenue, kEps) << "channel " << i;
  }
}

TEST(HeuristicModelsTest, First) {
  // [A, B, C], revenue 9: A gets 1 conversion and 9.
  ExpectWeights(Credit(HeuristicModel::kFirst, {kA, kB, kC}, 9), {1, 0, 0, 0, 0, 0}, 9);
}

TEST(HeuristicModelsTest, Last) {
  ExpectWeights(Credit(HeuristicModel::kLast, {kA, kB, kC}, 9), {0, 0, 1, 0, 0, 0}, 9);
}

TEST(HeuristicModelsTest, Linear) {
  // 1/3 each: 0.333.. conversions and 3 revenue.
  ExpectWeights(Credit(HeuristicModel::kLinear, {kA, kB, kC}, 9),
                {1.0 / 3, 1.0 / 3, 1.0 / 3, 0, 0, 0}, 9);
  // A repeated channel collects each of its shares: [A, B, A, A] -> A 3/4, B 1/4.
  ExpectWeights(Credit(HeuristicModel::kLinear, {kA, kB, kA, kA}, 4), {0.75, 0.25, 0, 0, 0, 0}, 4);
}

TEST(HeuristicModelsTest, PositionBased) {
  const HeuristicModel m = HeuristicModel::kPositionBased;
  // n = 1: 1.
  ExpectWeights(Credit(m, {kB}, 10), {0, 1, 0, 0, 0, 0}, 10);
  // n = 2: 0.5 each.
  ExpectWeights(Credit(m, {kA, kB}, 10), {0.5, 0.5, 0, 0, 0, 0}, 10);
  // n = 3: 0.4, 0.2, 0.4.
  ExpectWeights(Credit(m, {kA, kB, kC}, 10), {0.4, 0.2, 0.4, 0, 0, 0}, 10);
  // n = 5: 0.4, then 0.2 / 3 = 0.0666.. for each of the three middle ones, 0.4.
  ExpectWeights(Credit(m, {kA, kB, kC, kD, kE}, 10), {0.4, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.4, 0}, 10);
  // n = 3 with the first channel repeated last: A 0.4 + 0.4 = 0.8, B 0.2.
  ExpectWeights(Credit(m, {kA, kB, kA}, 10), {0.8, 0.2, 0, 0, 0, 0}, 10);
}

TEST(HeuristicModelsTest, TimeDecayTwoTouchpoints) {
  // Half-life 1 h; A 2 h old, B 1 h old: raw 2^-2 = 0.25 and 2^-1 = 0.5, sum
  // 0.75 -> A 1/3, B 2/3. Revenue 6 -> 2 and 4.
  ExpectWeights(Credit(HeuristicModel::kTimeDecay, {kA, kB}, 6, 1, {2, 1}),
                {1.0 / 3, 2.0 / 3, 0, 0, 0, 0}, 6);
  // Half-life 24 h; A 12 h old, B 0 h old: raw 2^-0.5 = 1/sqrt(2) and 1, so
  // A = (1/sqrt 2) / (1 + 1/sqrt 2) = 1 / (sqrt 2 + 1) = sqrt 2 - 1 = 0.41421356..,
  // B = 1 - A = 2 - sqrt 2 = 0.58578643...
  ExpectWeights(Credit(HeuristicModel::kTimeDecay, {kA, kB}, 1, 24, {12, 0}),
                {std::sqrt(2.0) - 1, 2 - std::sqrt(2.0), 0, 0, 0, 0}, 1);
}

TEST(HeuristicModelsTest, TimeDecayThreeTouchpoints) {
  // Half-life 24 h; ages 48, 24, 0 h: raw 0.25, 0.5, 1, sum 1.75 ->
  // 1/7 = 0.142857.., 2/7 = 0.285714.., 4/7 = 0.571428... Revenue 14 -> 2, 4, 8.
  ExpectWeights(Credit(HeuristicModel::kTimeDecay, {kA, kB, kC}, 14, 24, {48, 24, 0}),
                {1.0 / 7, 2.0 / 7, 4.0 / 7, 0, 0, 0}, 14);
  // Default half-life 168 h; ages 336, 168, 168 h: raw 0.25, 0.5, 0.5 ->
  // 0.2, 0.4, 0.4; B and C are the same channel here: 0.8.
  ExpectWeights(Credit(HeuristicModel::kTimeDecay, {kA, kB, kB}, 5, 168, {336, 168, 168}),
                {0.2, 0.8, 0, 0, 0, 0}, 5);
}

TEST(HeuristicModelsTest, TimeDecayDoesNotUnderflow) {
  // Half-life 1 ms: a 30-day-old touchpoint's raw weight 2^-2.6e9 is 0 in a
  // double, and so would be a 1 h old one's; normalized they are 0 and 1.
  std::vector<ChannelCredit> credit(6);
  const std::vector<uint32_t> channels = {kA, kB};
  const std::vector<int64_t> ts = {kConversionTs - 720 * kHour, kConversionTs - kHour};
  AddPathCredit(HeuristicModel::kTimeDecay, channels, ts, 1, {1.0, kOrganic}, credit);
  ExpectWeights(credit, {0, 1, 0, 0, 0, 0}, 1);
}

TEST(HeuristicModelsTest, EmptyPathIsOrganicInEveryModel) {
  for (HeuristicModel m : {HeuristicModel::kFirst, HeuristicModel::kLast, HeuristicModel::kLinear,
                           HeuristicModel::kTimeDecay, HeuristicModel::kPositionBased}) {
    ExpectWeights(Credit(m, {}, 3), {0, 0, 0, 0, 0, 1}, 3);
  }
}

TEST(HeuristicModelsTest, WholeSetEqualsPathByPath) {
  // Paths: [A, B, C] (ages 3, 2, 1 h, revenue 5), [] (revenue 2), [D, D] (ages 5, 0 h).
  ConvertingPaths paths;
  const std::vector<uint32_t> p1 = {kA, kB, kC}, p3 = {kD, kD};
  const std::vector<int64_t> t1 = {kConversionTs - 3 * kHour, kConversionTs - 2 * kHour,
                                   kConversionTs - kHour};
  const std::vector<int64_t> t3 = {kConversionTs - 5 * kHour, kConversionTs};
  paths.Add(p1, t1, kConversionTs, 5);
  paths.Add({}, {}, kConversionTs, 2);
  paths.Add(p3, t3, kConversionTs, 0);
  const HeuristicParams params{2.0 * kHour, kOrganic};
  for (HeuristicModel m : {HeuristicModel::kFirst, HeuristicModel::kLast, HeuristicModel::kLinear,
                           HeuristicModel::kTimeDecay, HeuristicModel::kPositionBased}) {
    std::vector<ChannelCredit> whole(6), one_by_one(6);
    AddHeuristicCredit(m, paths, params, whole);
    AddPathCredit(m, p1, t1, 5, params, one_by_one);
    AddPathCredit(m, {}, {}, 2, params, one_by_one);
    AddPathCredit(m, p3, t3, 0, params, one_by_one);
    EXPECT_EQ(whole, one_by_one) << static_cast<int>(m);
    // Every path's weights sum to 1: 3 conversions, 7 revenue in all.
    double conversions = 0, revenue = 0;
    for (const ChannelCredit& c : whole) {
      conversions += c.conversions;
      revenue += c.revenue;
    }
    EXPECT_NEAR(conversions, 3, kEps);
    EXPECT_NEAR(revenue, 7, kEps);
    EXPECT_EQ(whole[kOrganic], (ChannelCredit{1, 2}));
    EXPECT_NEAR(whole[kD].conversions, 1, kEps);
  }
}

}  // namespace
}  // namespace unmogrowp
