#include "attribution/install_match.h"

#include <gtest/gtest.h>

#include <vector>

namespace unmogrowp {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kInstallTs = 1'717'000'000'000;
constexpr uint64_t kInstallSeq = 100;
constexpr const char* kIp = "203.0.113.7";
constexpr const char* kUa = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4)";

const InstallEvent kInstall{kInstallTs, kInstallSeq, kIp, kUa};

CandidateTouchpoint Click(int64_t ts, uint64_t seq = 1) {
  return {TouchpointKind::kClick, ts, seq, kIp, kUa};
}
CandidateTouchpoint Impression(int64_t ts, uint64_t seq = 1) {
  return {TouchpointKind::kImpression, ts, seq, kIp, kUa};
}

// Defaults: clicks 168 h, impressions 24 h, probabilistic on, 24 h.
const InstallMatchSettings kDefaults;

InstallMatch Deterministic(const std::vector<CandidateTouchpoint>& device,
                           const InstallMatchSettings& settings = kDefaults) {
  return MatchInstall(kInstall, device, {}, settings);
}
InstallMatch Probabilistic(const std::vector<CandidateTouchpoint>& clicks,
                           const InstallMatchSettings& settings = kDefaults) {
  return MatchInstall(kInstall, {}, clicks, settings);
}

const InstallMatch kOrganic{MatchType::kOrganic, kNoTouchpoint};

TEST(MatchInstallTest, ClickLookbackIsInclusive) {
  // Age exactly 168 h = 604'800'000 ms is eligible; 1 ms older is not.
  EXPECT_EQ(Deterministic({Click(kInstallTs - 168 * kHour)}),
            (InstallMatch{MatchType::kDeterministic, 0}));
  EXPECT_EQ(Deterministic({Click(kInstallTs - 168 * kHour - 1)}), kOrganic);
}

TEST(MatchInstallTest, ImpressionLookbackIsInclusive) {
  EXPECT_EQ(Deterministic({Impression(kInstallTs - 24 * kHour)}),
            (InstallMatch{MatchType::kDeterministic, 0}));
  EXPECT_EQ(Deterministic({Impression(kInstallTs - 24 * kHour - 1)}), kOrganic);
}

TEST(MatchInstallTest, ProbabilisticWindowIsInclusive) {
  EXPECT_EQ(Probabilistic({Click(kInstallTs - 24 * kHour)}),
            (InstallMatch{MatchType::kProbabilistic, 0}));
  EXPECT_EQ(Probabilistic({Click(kInstallTs - 24 * kHour - 1)}), kOrganic);
}

TEST(MatchInstallTest, ProbabilisticWindowAloneBoundsIt) {
  // A 100 h old click is outside a 48 h probabilistic window even though the
  // click lookback (168 h) would admit it; a 30 h one is inside even though
  // the click lookback is 1 h.
  InstallMatchSettings s;
  s.probabilistic_window_hours = 48;
  EXPECT_EQ(Probabilistic({Click(kInstallTs - 100 * kHour)}, s), kOrganic);
  s.click_lookback_hours = 1;
  EXPECT_EQ(Probabilistic({Click(kInstallTs - 30 * kHour)}, s),
            (InstallMatch{MatchType::kProbabilistic, 0}));
}

TEST(MatchInstallTest, FutureTouchpointIsNotEligible) {
  // Age -1 ms (even when received before the install).
  EXPECT_EQ(Deterministic({Click(kInstallTs + 1, 1)}), kOrganic);
  EXPECT_EQ(Probabilistic({Click(kInstallTs + 1, 1)}), kOrganic);
}

TEST(MatchInstallTest, SameTimestampCountsOnlyIfReceivedBefore) {
  // Age 0: seq 99 arrived before the install (seq 100), seq 101 after.
  EXPECT_EQ(Deterministic({Click(kInstallTs, 99)}), (InstallMatch{MatchType::kDeterministic, 0}));
  EXPECT_EQ(Deterministic({Click(kInstallTs, 101)}), kOrganic);
  EXPECT_EQ(Deterministic({Impression(kInstallTs, 99)}),
            (InstallMatch{MatchType::kDeterministic, 0}));
  EXPECT_EQ(Deterministic({Impression(kInstallTs, 101)}), kOrganic);
  EXPECT_EQ(Probabilistic({Click(kInstallTs, 99)}), (InstallMatch{MatchType::kProbabilistic, 0}));
  EXPECT_EQ(Probabilistic({Click(kInstallTs, 101)}), kOrganic);
}

TEST(MatchInstallTest, WindowZeroAdmitsOnlyTheInstallsTimestamp) {
  InstallMatchSettings s;
  s.click_lookback_hours = 0;
  s.probabilistic = false;
  EXPECT_EQ(Deterministic({Click(kInstallTs, 99)}, s),
            (InstallMatch{MatchType::kDeterministic, 0}));
  EXPECT_EQ(Deterministic({Click(kInstallTs - 1, 99)}, s), kOrganic);
}

TEST(MatchInstallTest, TouchpointReceivedAfterTheInstallIsNotConsidered) {
  // The install is attributed in real time: a click from an hour before it
  // that arrives later (seq 150 > 100) was not there to win it.
  EXPECT_EQ(Deterministic({Click(kInstallTs - kHour, 150)}), kOrganic);
}

TEST(MatchInstallTest, LatestClickWinsTiesByArrival) {
  // Index 0: 3 h old; 1 and 2: both 1 h old, 2 received later -> 2 wins.
  std::vector<CandidateTouchpoint> device = {
      Click(kInstallTs - 3 * kHour, 5), Click(kInstallTs - kHour, 7), Click(kInstallTs - kHour, 9)};
  EXPECT_EQ(Deterministic(device), (InstallMatch{MatchType::kDeterministic, 2}));
  std::swap(device[1], device[2]);  // input order does not matter
  EXPECT_EQ(Deterministic(device), (InstallMatch{MatchType::kDeterministic, 1}));
}

TEST(MatchInstallTest, ClickBeatsLaterImpression) {
  // Click 10 h old, impression 1 h old: any eligible click wins over impressions.
  EXPECT_EQ(Deterministic({Impression(kInstallTs - kHour, 8), Click(kInstallTs - 10 * kHour, 3)}),
            (InstallMatch{MatchType::kDeterministic, 1}));
}

TEST(MatchInstallTest, ImpressionWinsWhenNoClickIsEligible) {
  // Click 169 h old (out), impressions 5 h and 2 h old: the later impression.
  EXPECT_EQ(
      Deterministic({Click(kInstallTs - 169 * kHour, 1), Impression(kInstallTs - 2 * kHour, 2),
                     Impression(kInstallTs - 5 * kHour, 3)}),
      (InstallMatch{MatchType::kDeterministic, 1}));
}

TEST(MatchInstallTest, DeterministicBeatsProbabilistic) {
  // The device's own click is 100 h old; a probabilistic click is 1 h old.
  const std::vector<CandidateTouchpoint> device = {Click(kInstallTs - 100 * kHour, 1)};
  const std::vector<CandidateTouchpoint> others = {Click(kInstallTs - kHour, 2)};
  EXPECT_EQ(MatchInstall(kInstall, device, others, kDefaults),
            (InstallMatch{MatchType::kDeterministic, 0}));
  // A device impression (deterministic) also beats a probabilistic click.
  const std::vector<CandidateTouchpoint> impression = {Impression(kInstallTs - 20 * kHour, 1)};
  EXPECT_EQ(MatchInstall(kInstall, impression, others, kDefaults),
            (InstallMatch{MatchType::kDeterministic, 0}));
}

TEST(MatchInstallTest, ProbabilisticWhenTheDeviceHasNoEligibleTouchpoint) {
  const std::vector<CandidateTouchpoint> device = {Click(kInstallTs - 200 * kHour, 1)};
  const std::vector<CandidateTouchpoint> others = {Click(kInstallTs - 3 * kHour, 2),
                                                   Click(kInstallTs - 2 * kHour, 3)};
  EXPECT_EQ(MatchInstall(kInstall, device, others, kDefaults),
            (InstallMatch{MatchType::kProbabilistic, 1}));
}

TEST(MatchInstallTest, ImpressionsNeverMatchProbabilistically) {
  EXPECT_EQ(Probabilistic({Impression(kInstallTs - kHour)}), kOrganic);
  EXPECT_EQ(Probabilistic({Impression(kInstallTs - kHour, 5), Click(kInstallTs - 2 * kHour, 4)}),
            (InstallMatch{MatchType::kProbabilistic, 1}));
}

TEST(MatchInstallTest, ProbabilisticNeedsBothIpAndUserAgentByteEqual) {
  CandidateTouchpoint other_ip = Click(kInstallTs - kHour);
  other_ip.ip = "203.0.113.8";
  CandidateTouchpoint other_ua = Click(kInstallTs - kHour);
  other_ua.user_agent = "mozilla/5.0 (iPhone; CPU iPhone OS 17_4)";  // case differs
  EXPECT_EQ(Probabilistic({other_ip}), kOrganic);
  EXPECT_EQ(Probabilistic({other_ua}), kOrganic);
}

TEST(MatchInstallTest, InstallWithoutIpOrUserAgentNeverMatchesProbabilistically) {
  InstallEvent no_ip = kInstall;
  no_ip.ip = "";
  CandidateTouchpoint click = Click(kInstallTs - kHour);
  click.ip = "";
  const std::vector<CandidateTouchpoint> clicks = {click};
  EXPECT_EQ(MatchInstall(no_ip, {}, clicks, kDefaults), kOrganic);
}

TEST(MatchInstallTest, ProbabilisticOff) {
  InstallMatchSettings s;
  s.probabilistic = false;
  EXPECT_EQ(Probabilistic({Click(kInstallTs - kHour)}, s), kOrganic);
}

TEST(MatchInstallTest, NoCandidatesIsOrganic) {
  EXPECT_EQ(MatchInstall(kInstall, {}, {}, kDefaults), kOrganic);
}

TEST(MatchInstallTest, MatchTypeNames) {
  EXPECT_EQ(MatchTypeName(MatchType::kOrganic), "organic");
  EXPECT_EQ(MatchTypeName(MatchType::kDeterministic), "deterministic");
  EXPECT_EQ(MatchTypeName(MatchType::kProbabilistic), "probabilistic");
}

}  // namespace
}  // namespace unmogrowp
