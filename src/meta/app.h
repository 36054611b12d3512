#pragma once

// Apps: the unit of tenancy. Every event belongs to one app, named by the API
// key it arrived with; every report is per app. AppSettings are the per-app
// attribution knobs of ATTRIBUTION.md ("App settings"). Plain values: safe to
// copy between threads, not to mutate from two threads at once.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace unmogrowp {

// The largest accepted lookback or matching window: one year.
inline constexpr int64_t kMaxWindowHours = 8760;
inline constexpr int64_t kMaxMtaLookbackDays = 365;
// The longest accepted retention: ten years.
inline constexpr int64_t kMaxRetentionDays = 3650;
inline constexpr size_t kMaxAppNameBytes = 200;

// Per-app attribution settings (ATTRIBUTION.md). Each default is the table's.
// A window of 0 is legal: it admits only touchpoints with the conversion's own
// timestamp.
struct AppSettings {
  // Max age of a click that can win an install; 0..kMaxWindowHours.
  int64_t click_lookback_hours = 168;
  // Max age of an impression that can win an install; 0..kMaxWindowHours.
  int64_t impression_lookback_hours = 24;
  // Allow IP + user-agent matching when no device matches.
  bool probabilistic = true;
  // Max age of a click for a probabilistic match; 0..kMaxWindowHours.
  int64_t probabilistic_window_hours = 24;
  // Max age of a touchpoint in a multi-touch path; 1..kMaxMtaLookbackDays.
  int64_t mta_lookback_days = 30;
  // Half-life of the time-decay model; finite, > 0 and <= kMaxWindowHours.
  double time_decay_half_life_hours = 168;
  // Raw events and per-device state older than this many days (by event
  // timestamp) are removed; daily rollups stay. 1..kMaxRetentionDays.
  int64_t retention_days = 400;

  bool operator==(const AppSettings&) const = default;
};

// OK, or InvalidArgument (reason "invalid_value") whose field names the first
// bad setting as the API spells it, e.g. "settings.click_lookback_hours".
Status ValidateSettings(const AppSettings& settings);

// "ios", "android" or "web"; else InvalidArgument with field "platform".
Status ValidatePlatform(std::string_view platform);

// 1..kMaxAppNameBytes bytes; else InvalidArgument with field "name".
Status ValidateAppName(std::string_view name);

// One registered app. `id` is a short url-safe id ("app_" + 16 hex); times are
// ms since the Unix epoch, UTC.
struct App {
  std::string id;
  std::string name;
  std::string platform;
  AppSettings settings;
  // Made by `unmogrowp serve --demo` and filled with generated events (the
  // dashboard says so); set at creation only, never through the API.
  bool demo = false;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;

  bool operator==(const App&) const = default;
};

// An app together with its API key in plain text. Only the calls that mint a
// key (create, rotate) return one: the store keeps nothing but its hash.
struct CreatedApp {
  App app;
  std::string api_key;
};

}  // namespace unmogrowp
