#include "attribution/shapley.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "attribution/mta_test_util.h"

namespace unmogrowp {
namespace {

constexpr double kEps = 1e-12;

using testing_util::Input;
using testing_util::Path;

// phi of `channel` in `values`, or NaN when it is not a player.
double Phi(const ShapleyValues& values, uint32_t channel) {
  auto it = std::find(values.players.begin(), values.players.end(), channel);
  return it == values.players.end() ? std::nan("") : values.phi[it - values.players.begin()];
}

TEST(ShapleyTest, ThreeChannelsOnPaper) {
  constexpr uint32_t kA = 0, kB = 1, kC = 2, kOrganic = 3;
  // Paths by channel set (order and repeats inside a path do not matter):
  //   {A}:     1 converting (revenue 10), 1 not       rate 1/2
  //   {B}:     2 not
  //   {A,B}:   2 converting (revenue 20, 0) as [B, A, B] and [A, B]
  //   {C}:     1 converting (revenue 6), 3 not
  //   {A,B,C}: 1 converting (revenue 0), 1 not
  // v(S) = converting / all over the paths whose set is a subset of S:
  //   v({})    = 0
  //   v(A)     = 1/2                       ({A})
  //   v(B)     = 0/2 = 0                   ({B})
  //   v(C)     = 1/4                       ({C})
  //   v(AB)    = (1+0+2)/(2+2+2) = 1/2     ({A},{B},{A,B})
  //   v(AC)    = (1+1)/(2+4) = 1/3         ({A},{C})
  //   v(BC)    = (0+1)/(2+4) = 1/6         ({B},{C})
  //   v(ABC)   = 5/12                      (all 12 paths, 5 converting)
  // Weights for n = 3 by |S| (k not in S): 0 -> 1/3, 1 -> 1/6, 2 -> 1/3.
  // phi_A = 1/3 (1/2 - 0) + 1/6 (1/2 - 0) + 1/6 (1/3 - 1/4) + 1/3 (5/12 - 1/6)
  //       = 12/72 + 6/72 + 1/72 + 6/72 = 25/72
  // phi_B = 1/3 (0 - 0) + 1/6 (1/2 - 1/2) + 1/6 (1/6 - 1/4) + 1/3 (5/12 - 1/3)
  //       = 0 + 0 - 1/72 + 2/72 = 1/72
  // phi_C = 1/3 (1/4 - 0) + 1/6 (1/3 - 1/2) + 1/6 (1/6 - 0) + 1/3 (5/12 - 1/2)
  //       = 6/72 - 2/72 + 2/72 - 2/72 = 4/72
  // Sum = 30/72 = 5/12 = v(ABC). Totals: 5 conversions, 36 revenue.
  // Credit A = 5 * 25/30 = 25/6, 36 * 25/30 = 30; B = 5/30 = 1/6, 36/30 = 1.2;
  // C = 5 * 4/30 = 2/3, 36 * 4/30 = 4.8. The organic conversion (revenue 2)
  // goes to (organic).
  const MtaInput input = Input(
      4, {{{kA}, 10}, {{kB, kA, kB}, 20}, {{kA, kB}, 0}, {{kC}, 6}, {{kC, kB, kA}, 0}, {{}, 2}},
      {{kA, kA}, {kB}, {kB, kB}, {kC}, {kC}, {kC}, {kA, kB, kC}});
  Result<ShapleyValues> values = ComputeShapleyValues(input, {});
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(values->players.size(), 3u);
  EXPECT_NEAR(Phi(*values, kA), 25.0 / 72, kEps);
  EXPECT_NEAR(Phi(*values, kB), 1.0 / 72, kEps);
  EXPECT_NEAR(Phi(*values, kC), 4.0 / 72, kEps);

  std::vector<ChannelCredit> credit(4);
  ASSERT_TRUE(AddShapleyCredit(input, {}, kOrganic, credit).ok());
  EXPECT_NEAR(credit[kA].conversions, 25.0 / 6, kEps);
  EXPECT_NEAR(credit[kA].revenue, 30, kEps);
  EXPECT_NEAR(credit[kB].conversions, 1.0 / 6, kEps);
  EXPECT_NEAR(credit[kB].revenue, 1.2, kEps);
  EXPECT_NEAR(credit[kC].conversions, 2.0 / 3, kEps);
  EXPECT_NEAR(credit[kC].revenue, 4.8, kEps);
  EXPECT_EQ(credit[kOrganic], (ChannelCredit{1, 2}));
}

TEST(ShapleyTest, NegativeCredit) {
  constexpr uint32_t kA = 0, kB = 1;
  // {A}: 1 converting (revenue 4); {A,B}: 1 not.
  // v(A) = 1, v(B) = 0 (no path within {B}), v(AB) = 1/2.
  // phi_A = 1/2 (1 - 0) + 1/2 (1/2 - 0) = 3/4; phi_B = 1/2 (0) + 1/2 (1/2 - 1) = -1/4.
  // Sum 1/2. Credit A = 1 * (3/4)/(1/2) = 3/2 (revenue 6), B = -1/2 (revenue -2).
  const MtaInput input = Input(3, {{{kA}, 4}}, {{kA, kB}});
  std::vector<ChannelCredit> credit(3);
  ASSERT_TRUE(AddShapleyCredit(input, {}, 2, credit).ok());
  EXPECT_NEAR(credit[kA].conversions, 1.5, kEps);
  EXPECT_NEAR(credit[kA].revenue, 6, kEps);
  EXPECT_NEAR(credit[kB].conversions, -0.5, kEps);
  EXPECT_NEAR(credit[kB].revenue, -2, kEps);
}

TEST(ShapleyTest, SumOfPhiNotPositiveFallsBackToEqualSplit) {
  // Sum phi = v(all) - v({}) = converting / all paths, so it is <= 0 only
  // without converting paths: every v is 0, every phi 0, and the equal split
  // of the (no) converting paths credits nothing. The organic conversion
  // still goes to (organic).
  const MtaInput input = Input(3, {{{}, 5}}, {{0, 1}, {1}});
  Result<ShapleyValues> values = ComputeShapleyValues(input, {});
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->phi, (std::vector<double>{0, 0}));
  std::vector<ChannelCredit> credit(3);
  ASSERT_TRUE(AddShapleyCredit(input, {}, 2, credit).ok());
  EXPECT_EQ(credit, (std::vector<ChannelCredit>{{0, 0}, {0, 0}, {1, 5}}));
}

TEST(ShapleyTest, TwentyChannelsAreNotMerged) {
  MtaInput input;
  input.num_channels = 21;
  for (uint32_t c = 0; c < 20; ++c) input.non_converting.Add(std::vector{c});
  input.converting.Add(std::vector<uint32_t>{3}, std::vector<int64_t>{0}, 0, 1);
  Result<ShapleyValues> values = ComputeShapleyValues(input, {20, {}});
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->players.size(), 20u);
  EXPECT_EQ(std::count(values->players.begin(), values->players.end(), 20u), 0);
}

// 21 distinct channels, ids 0..20, named so that name order is the reverse
// of id order: id i is "ch" + (20 - i), two digits ("ch20" .. "ch00").
// Paths (count of paths containing each channel):
//   ids 0..17: converting [i] and non-converting [i, (i+1) % 18] -> 3 paths each
//   id 18 "ch02": one converting path [18, 18, 18, 18, 18]        -> 1 path
//   id 19 "ch01": one non-converting path [19]                    -> 1 path
//   id 20 "ch00": one converting path [20]                        -> 1 path
// The 19 kept are 0..17 (3 paths) and, of the three tied at 1 path, the
// first by name: "ch00" = id 20 (by id it would have been 18; repeats in a
// path count once, so 18's five touchpoints do not lift it). 18 and 19 are
// merged into (other) = id 21.
struct TwentyOne {
  MtaInput input;
  std::vector<std::string> names;
};
TwentyOne TwentyOneChannels() {
  TwentyOne t;
  t.input.num_channels = 23;  // 21 = (other), 22 = (organic)
  for (uint32_t i = 0; i <= 20; ++i) {
    t.names.push_back("ch" + std::string(i >= 11 ? "0" : "") + std::to_string(20 - i));
  }
  t.names.push_back("(other)");
  t.names.push_back("(organic)");
  for (uint32_t i = 0; i < 18; ++i) {
    t.input.converting.Add(std::vector{i}, std::vector<int64_t>{0}, 0, i);
    t.input.non_converting.Add(std::vector{i, (i + 1) % 18});
  }
  t.input.converting.Add(std::vector<uint32_t>(5, 18), std::vector<int64_t>(5, 0), 0, 100);
  t.input.non_converting.Add(std::vector{19u});
  t.input.converting.Add(std::vector{20u}, std::vector<int64_t>{0}, 0, 50);
  return t;
}

TEST(ShapleyTest, MoreThanTwentyChannelsKeepNineteenAndMergeTheRest) {
  const TwentyOne t = TwentyOneChannels();
  EXPECT_EQ(t.names[18], "ch02");
  EXPECT_EQ(t.names[20], "ch00");
  Result<ShapleyValues> values = ComputeShapleyValues(t.input, {21, t.names});
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  ASSERT_EQ(values->players.size(), 20u);
  EXPECT_EQ(values->players.back(), 21u);
  std::vector<uint32_t> kept(values->players.begin(), values->players.end() - 1);
  std::sort(kept.begin(), kept.end());
  std::vector<uint32_t> want = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20};
  EXPECT_EQ(kept, want);

  // Merging happens before anything is computed: the credits equal those of
  // the same paths with 18 and 19 renamed to 21 (20 channels, no merging).
  MtaInput renamed = t.input;
  for (uint32_t& c : renamed.converting.channels) c = (c == 18 || c == 19) ? 21 : c;
  for (uint32_t& c : renamed.non_converting.channels) c = (c == 18 || c == 19) ? 21 : c;
  std::vector<ChannelCredit> merged(23), by_hand(23);
  ASSERT_TRUE(AddShapleyCredit(t.input, {21, t.names}, 22, merged).ok());
  ASSERT_TRUE(AddShapleyCredit(renamed, {21, {}}, 22, by_hand).ok());
  for (size_t c = 0; c < 23; ++c) {
    EXPECT_NEAR(merged[c].conversions, by_hand[c].conversions, kEps) << c;
    EXPECT_NEAR(merged[c].revenue, by_hand[c].revenue, 1e-9) << c;
  }
  EXPECT_EQ(merged[18], ChannelCredit{});
  EXPECT_EQ(merged[19], ChannelCredit{});
  EXPECT_NE(merged[21].conversions, 0);
}

TEST(ShapleyTest, MergingNeedsTheNames) {
  const TwentyOne t = TwentyOneChannels();
  Result<ShapleyValues> values = ComputeShapleyValues(t.input, {21, {}});
  EXPECT_EQ(values.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(values.status().field(), "channel_names");
}

}  // namespace
}  // namespace unmogrowp
