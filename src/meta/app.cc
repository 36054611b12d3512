#include "meta/app.h"

#include <fmt/format.h>

#include <cmath>

namespace unmogrowp {

namespace {

constexpr std::string_view kInvalidValue = "invalid_value";

Status CheckRange(std::string_view key, int64_t value, int64_t min, int64_t max,
                  std::string_view unit) {
  if (value >= min && value <= max) return Status::OK();
  return Status::InvalidArgument(
      fmt::format("settings.{}", key),
      fmt::format("{} must be between {} and {} {}, got {}", key, min, max, unit, value),
      kInvalidValue);
}

}  // namespace

Status ValidateSettings(const AppSettings& s) {
  UM_RETURN_IF_ERROR(
      CheckRange("click_lookback_hours", s.click_lookback_hours, 0, kMaxWindowHours, "hours"));
  UM_RETURN_IF_ERROR(CheckRange("impression_lookback_hours", s.impression_lookback_hours, 0,
                                kMaxWindowHours, "hours"));
  UM_RETURN_IF_ERROR(CheckRange("probabilistic_window_hours", s.probabilistic_window_hours, 0,
                                kMaxWindowHours, "hours"));
  UM_RETURN_IF_ERROR(
      CheckRange("mta_lookback_days", s.mta_lookback_days, 1, kMaxMtaLookbackDays, "days"));
  UM_RETURN_IF_ERROR(CheckRange("retention_days", s.retention_days, 1, kMaxRetentionDays, "days"));
  const double half_life = s.time_decay_half_life_hours;
  if (!std::isfinite(half_life) || half_life <= 0 ||
      half_life > static_cast<double>(kMaxWindowHours)) {
    return Status::InvalidArgument(
        "settings.time_decay_half_life_hours",
        fmt::format("time_decay_half_life_hours must be greater than 0 and at most {} hours",
                    kMaxWindowHours),
        kInvalidValue);
  }
  return Status::OK();
}

Status ValidatePlatform(std::string_view platform) {
  if (platform == "ios" || platform == "android" || platform == "web") return Status::OK();
  return Status::InvalidArgument("platform", "platform must be one of ios, android, web",
                                 kInvalidValue);
}

Status ValidateAppName(std::string_view name) {
  if (!name.empty() && name.size() <= kMaxAppNameBytes) return Status::OK();
  return Status::InvalidArgument(
      "name", fmt::format("name must be 1 to {} bytes long", kMaxAppNameBytes), kInvalidValue);
}

}  // namespace unmogrowp
