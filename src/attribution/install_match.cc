#include "attribution/install_match.h"

#include "event/time_order.h"

namespace unmogrowp {

namespace {

constexpr int64_t kMsPerHour = 3'600'000;

bool Eligible(const InstallEvent& install, const CandidateTouchpoint& t, int64_t window_ms) {
  const int64_t age = install.ts_ms - t.ts_ms;
  return t.seq < install.seq && age >= 0 && age <= window_ms;
}

// True when `a` is later than `b` in (ts, seq) order.
bool Later(const CandidateTouchpoint& a, const CandidateTouchpoint& b) {
  return EarlierInTime(b, a);
}

// Index of the latest candidate of `kind` that `accept` admits, or kNoTouchpoint.
template <typename Accept>
size_t Latest(std::span<const CandidateTouchpoint> candidates, TouchpointKind kind, Accept accept) {
  size_t best = kNoTouchpoint;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const CandidateTouchpoint& t = candidates[i];
    if (t.kind != kind || !accept(t)) continue;
    if (best == kNoTouchpoint || Later(t, candidates[best])) best = i;
  }
  return best;
}

}  // namespace

std::string_view MatchTypeName(MatchType match) {
  switch (match) {
    case MatchType::kOrganic:
      return "organic";
    case MatchType::kDeterministic:
      return "deterministic";
    case MatchType::kProbabilistic:
      return "probabilistic";
  }
  return "organic";
}

InstallMatch MatchInstall(const InstallEvent& install,
                          std::span<const CandidateTouchpoint> device_touchpoints,
                          std::span<const CandidateTouchpoint> ip_ua_clicks,
                          const InstallMatchSettings& settings) {
  const int64_t click_ms = settings.click_lookback_hours * kMsPerHour;
  size_t i = Latest(device_touchpoints, TouchpointKind::kClick,
                    [&](const CandidateTouchpoint& t) { return Eligible(install, t, click_ms); });
  if (i != kNoTouchpoint) return {MatchType::kDeterministic, i};

  const int64_t impression_ms = settings.impression_lookback_hours * kMsPerHour;
  i = Latest(device_touchpoints, TouchpointKind::kImpression,
             [&](const CandidateTouchpoint& t) { return Eligible(install, t, impression_ms); });
  if (i != kNoTouchpoint) return {MatchType::kDeterministic, i};

  // An install without an ip or user agent has nothing to match on: two
  // absent values are not "byte-for-byte equal" evidence of one user.
  if (settings.probabilistic && !install.ip.empty() && !install.user_agent.empty()) {
    const int64_t window_ms = settings.probabilistic_window_hours * kMsPerHour;
    i = Latest(ip_ua_clicks, TouchpointKind::kClick, [&](const CandidateTouchpoint& t) {
      return t.ip == install.ip && t.user_agent == install.user_agent &&
             Eligible(install, t, window_ms);
    });
    if (i != kNoTouchpoint) return {MatchType::kProbabilistic, i};
  }
  return {};
}

}  // namespace unmogrowp
