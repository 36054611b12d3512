#pragma once

// Install attribution (ATTRIBUTION.md, "Install attribution"): which
// touchpoint, if any, earned an install, and how it was matched. A pure
// function over the candidates the caller looked up; it owns nothing and
// keeps no state, so any thread may call it.
//
// The caller's jobs, not this function's:
// - Reinstalls. Only a device's first install is attributed; a later install
//   of the same device must not be passed here (it neither counts nor changes
//   the device's attribution).
// - Looking up candidates: the device's own touchpoints, and the clicks of any
//   device whose ip + user_agent equal the install's (e.g. from an index keyed
//   by a hash of the pair; this function re-checks byte equality, so hash
//   collisions are harmless, and ignores impressions there).
// - Giving every event an arrival sequence number (`seq`) comparable across
//   all the events passed in one call (e.g. the event log offset).
// - Mapping the winner (an index into the candidates it passed) back to its
//   source, campaign and event id.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace unmogrowp {

enum class TouchpointKind : uint8_t { kClick, kImpression };

// Stored by its numeric value (the pipeline's per-device install record):
// append new values, never renumber.
enum class MatchType : uint8_t { kOrganic = 0, kDeterministic = 1, kProbabilistic = 2 };

// "organic", "deterministic", "probabilistic" (the API's spelling).
std::string_view MatchTypeName(MatchType match);

// The install being attributed.
struct InstallEvent {
  int64_t ts_ms = 0;            // event time
  uint64_t seq = 0;             // arrival order
  std::string_view ip;          // empty when absent
  std::string_view user_agent;  // empty when absent
};

// A click or impression that might have earned the install. `ip` and
// `user_agent` matter only for probabilistic candidates.
struct CandidateTouchpoint {
  TouchpointKind kind = TouchpointKind::kClick;
  int64_t ts_ms = 0;
  uint64_t seq = 0;
  std::string_view ip;
  std::string_view user_agent;
};

// The app settings that bear on install matching (AppSettings' fields of the
// same names, ATTRIBUTION.md defaults). Windows are inclusive: a touchpoint of
// age exactly the window is eligible, 1 ms older is not. 0 admits only
// touchpoints with the install's own timestamp received before it.
struct InstallMatchSettings {
  int64_t click_lookback_hours = 168;
  int64_t impression_lookback_hours = 24;
  bool probabilistic = true;
  int64_t probabilistic_window_hours = 24;
};

inline constexpr size_t kNoTouchpoint = static_cast<size_t>(-1);

struct InstallMatch {
  MatchType match = MatchType::kOrganic;
  // Index of the winner in `device_touchpoints` (deterministic) or in
  // `ip_ua_clicks` (probabilistic); kNoTouchpoint when organic.
  size_t index = kNoTouchpoint;

  bool operator==(const InstallMatch&) const = default;
};

// Attributes `install`. A candidate T is eligible when it was received before
// the install (T.seq < install.seq: an install is attributed once, in real
// time, so a touchpoint with the install's own timestamp counts only if it
// arrived first) and 0 <= install.ts - T.ts <= its window.
// 1. Deterministic, over `device_touchpoints` (the install's device's own):
//    the latest eligible click (click lookback) wins, else the latest eligible
//    impression (impression lookback).
// 2. Else, when settings.probabilistic, over `ip_ua_clicks`: the latest
//    eligible click (probabilistic window) whose ip and user_agent are both
//    byte-for-byte equal to the install's, both non-empty. Impressions never
//    match probabilistically.
// 3. Else organic.
// "Latest" orders by (ts, seq): of two equal timestamps, the later received
// is the later. Candidates may come in any order.
InstallMatch MatchInstall(const InstallEvent& install,
                          std::span<const CandidateTouchpoint> device_touchpoints,
                          std::span<const CandidateTouchpoint> ip_ua_clicks,
                          const InstallMatchSettings& settings);

}  // namespace unmogrowp
