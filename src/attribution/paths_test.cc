#include "attribution/paths.h"

#include <gtest/gtest.h>

#include <vector>

namespace unmogrowp {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr uint32_t kA = 0, kB = 1, kC = 2;

using Channels = std::vector<uint32_t>;

struct Built {
  MtaInput input;
  std::vector<Channels> converting;
  std::vector<Channels> non_converting;
};

// Range [from, to] in days, 30-day lookback unless given.
Built Build(std::vector<PathTouchpoint> touchpoints, std::vector<PathConversion> conversions,
            int64_t from_day, int64_t to_day, int64_t lookback_days = 30) {
  Built b;
  const PathOptions options{from_day * kDay, to_day * kDay, lookback_days};
  AppendDevicePaths(touchpoints, conversions, options, &b.input);
  for (size_t i = 0; i < b.input.converting.size(); ++i) {
    auto p = b.input.converting.path(i);
    b.converting.emplace_back(p.begin(), p.end());
  }
  for (size_t i = 0; i < b.input.non_converting.size(); ++i) {
    auto p = b.input.non_converting.path(i);
    b.non_converting.emplace_back(p.begin(), p.end());
  }
  return b;
}

TEST(AppendDevicePathsTest, LookbackIsInclusive) {
  // Conversion at day 40. A: age exactly 30 days (in); B: 30 days + 1 ms (out);
  // C: day 39 (in). Path in time order: [A, C].
  Built b = Build({{10 * kDay, 1, kA}, {10 * kDay - 1, 2, kB}, {39 * kDay, 3, kC}},
                  {{40 * kDay, 4, 2.5}}, 0, 100);
  EXPECT_EQ(b.converting, (std::vector<Channels>{{kA, kC}}));
  EXPECT_EQ(b.input.converting.path_ts(0)[0], 10 * kDay);
  EXPECT_EQ(b.input.converting.conversion_ts_ms[0], 40 * kDay);
  EXPECT_EQ(b.input.converting.revenue[0], 2.5);
  EXPECT_TRUE(b.non_converting.empty());
}

TEST(AppendDevicePathsTest, PreviousConversionCutsThePath) {
  // A(1) conv(2) B(3) conv(4): the second path is [B] only.
  Built b =
      Build({{1 * kDay, 1, kA}, {3 * kDay, 3, kB}}, {{2 * kDay, 2, 0}, {4 * kDay, 4, 0}}, 0, 10);
  EXPECT_EQ(b.converting, (std::vector<Channels>{{kA}, {kB}}));
}

TEST(AppendDevicePathsTest, PreviousConversionBeforeTheRangeStillCuts) {
  // Range days 3..10. The day-2 conversion is out of range: no path of its
  // own, but it removes A from the day-4 conversion's path.
  Built b =
      Build({{1 * kDay, 1, kA}, {3 * kDay, 3, kB}}, {{2 * kDay, 2, 0}, {4 * kDay, 4, 7}}, 3, 10);
  EXPECT_EQ(b.converting, (std::vector<Channels>{{kB}}));
  EXPECT_EQ(b.input.converting.revenue[0], 7);
}

TEST(AppendDevicePathsTest, TouchpointAtTheConversionsTimestampBySeq) {
  // Conversion at day 5, seq 10. A at day 5 seq 9 (received before: in its
  // path); B at day 5 seq 11 (after: not in it, so it is in the
  // non-converting path, being after the last conversion).
  Built b = Build({{5 * kDay, 11, kB}, {5 * kDay, 9, kA}}, {{5 * kDay, 10, 0}}, 0, 10);
  EXPECT_EQ(b.converting, (std::vector<Channels>{{kA}}));
  EXPECT_EQ(b.non_converting, (std::vector<Channels>{{kB}}));
}

TEST(AppendDevicePathsTest, TouchpointAtThePreviousConversionsTimestampBySeq) {
  // P at day 2 seq 5, C at day 4 seq 20. A at day 2 seq 4 (before P: P's
  // path), B at day 2 seq 6 (after P: C's path).
  Built b =
      Build({{2 * kDay, 6, kB}, {2 * kDay, 4, kA}}, {{4 * kDay, 20, 0}, {2 * kDay, 5, 0}}, 0, 10);
  EXPECT_EQ(b.converting, (std::vector<Channels>{{kA}, {kB}}));
}

TEST(AppendDevicePathsTest, LateArrivingTouchpointBelongsByEventTime) {
  // A at day 3 arrives after the day-5 conversion (seq 30 > 10): event time
  // decides, so it is in the path.
  Built b = Build({{3 * kDay, 30, kA}}, {{5 * kDay, 10, 0}}, 0, 10);
  EXPECT_EQ(b.converting, (std::vector<Channels>{{kA}}));
  EXPECT_TRUE(b.non_converting.empty());
}

TEST(AppendDevicePathsTest, EmptyPathIsAnOrganicConversion) {
  // The only touchpoint is 40 days old (lookback 30): the path is empty.
  Built b = Build({{1 * kDay, 1, kA}}, {{41 * kDay, 2, 3}}, 0, 100);
  EXPECT_EQ(b.converting, (std::vector<Channels>{{}}));
  EXPECT_EQ(b.input.converting.revenue[0], 3);
}

TEST(AppendDevicePathsTest, ConversionsAfterTheRangeAreIgnored) {
  // Range days 0..5: the day-7 conversion neither gets a path nor cuts the
  // non-converting path [A, B] (touchpoints in range after the day-1 conversion).
  Built b = Build({{2 * kDay, 2, kA}, {4 * kDay, 3, kB}, {6 * kDay, 4, kC}},
                  {{1 * kDay, 1, 0}, {7 * kDay, 5, 0}}, 0, 5);
  EXPECT_EQ(b.converting, (std::vector<Channels>{{}}));
  EXPECT_EQ(b.non_converting, (std::vector<Channels>{{kA, kB}}));
}

TEST(AppendDevicePathsTest, NonConvertingPathWithoutConversions) {
  // Range days 3..6 inclusive at both ends: A (day 2) before it, B at day 3
  // exactly, C at day 6 exactly, A at day 6 + 1 ms after it. No lookback applies.
  Built b = Build({{2 * kDay, 1, kA}, {3 * kDay, 2, kB}, {6 * kDay, 3, kC}, {6 * kDay + 1, 4, kA}},
                  {}, 3, 6);
  EXPECT_TRUE(b.converting.empty());
  EXPECT_EQ(b.non_converting, (std::vector<Channels>{{kB, kC}}));
}

TEST(AppendDevicePathsTest, NonConvertingPathStartsAfterTheLastConversion) {
  // Conversion before the range (day 1) with B after it but before `from`:
  // the non-converting path holds only in-range touchpoints after it: [C].
  Built b = Build({{0, 1, kA}, {2 * kDay, 3, kB}, {5 * kDay, 4, kC}}, {{1 * kDay, 2, 0}}, 3, 10);
  EXPECT_TRUE(b.converting.empty());
  EXPECT_EQ(b.non_converting, (std::vector<Channels>{{kC}}));
}

TEST(AppendDevicePathsTest, NoNonConvertingPathWhenNothingFollowsTheLastConversion) {
  Built b = Build({{2 * kDay, 1, kA}}, {{3 * kDay, 2, 0}}, 0, 10);
  EXPECT_EQ(b.converting, (std::vector<Channels>{{kA}}));
  EXPECT_TRUE(b.non_converting.empty());
  EXPECT_EQ(b.input.non_converting.size(), 0u);
}

TEST(AppendDevicePathsTest, AppendsAfterEarlierDevices) {
  MtaInput input;
  std::vector<PathTouchpoint> t1 = {{1 * kDay, 1, kA}};
  std::vector<PathConversion> c1 = {{2 * kDay, 2, 1}};
  std::vector<PathTouchpoint> t2 = {{3 * kDay, 2, kC}, {1 * kDay, 1, kB}};
  std::vector<PathConversion> c2 = {{2 * kDay, 3, 2}};
  const PathOptions options{0, 10 * kDay, 30};
  AppendDevicePaths(t1, c1, options, &input);
  AppendDevicePaths(t2, c2, options, &input);
  ASSERT_EQ(input.converting.size(), 2u);
  EXPECT_EQ(std::vector<uint32_t>(input.converting.path(1).begin(), input.converting.path(1).end()),
            (Channels{kB}));
  ASSERT_EQ(input.non_converting.size(), 1u);
  EXPECT_EQ(input.non_converting.path(0)[0], kC);
  EXPECT_TRUE(ValidateMtaInput(MtaInput{3, input.converting, input.non_converting}).ok());
}

}  // namespace
}  // namespace unmogrowp
