#include "meta/app.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace unmogrowp {
namespace {

TEST(AppSettingsTest, DefaultsFollowAttributionMd) {
  AppSettings s;
  EXPECT_EQ(s.click_lookback_hours, 168);
  EXPECT_EQ(s.impression_lookback_hours, 24);
  EXPECT_TRUE(s.probabilistic);
  EXPECT_EQ(s.probabilistic_window_hours, 24);
  EXPECT_EQ(s.mta_lookback_days, 30);
  EXPECT_EQ(s.time_decay_half_life_hours, 168.0);
  EXPECT_EQ(s.retention_days, 400);
  EXPECT_TRUE(ValidateSettings(s).ok());
}

TEST(AppSettingsTest, ZeroWindowsAndBoundsAreLegal) {
  AppSettings s;
  s.click_lookback_hours = 0;
  s.impression_lookback_hours = 0;
  s.probabilistic_window_hours = 0;
  s.mta_lookback_days = 1;
  s.time_decay_half_life_hours = 0.5;
  s.retention_days = 1;
  EXPECT_TRUE(ValidateSettings(s).ok());
  s.click_lookback_hours = kMaxWindowHours;
  s.impression_lookback_hours = kMaxWindowHours;
  s.probabilistic_window_hours = kMaxWindowHours;
  s.mta_lookback_days = kMaxMtaLookbackDays;
  s.time_decay_half_life_hours = kMaxWindowHours;
  s.retention_days = kMaxRetentionDays;
  EXPECT_EQ(s.retention_days, 3650);
  EXPECT_TRUE(ValidateSettings(s).ok());
}

struct BadSetting {
  std::string field;
  std::function<void(AppSettings&)> spoil;
};

TEST(AppSettingsTest, EachBadValueNamesItsField) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<BadSetting> cases = {
      {"settings.click_lookback_hours", [](AppSettings& s) { s.click_lookback_hours = -1; }},
      {"settings.click_lookback_hours",
       [](AppSettings& s) { s.click_lookback_hours = kMaxWindowHours + 1; }},
      {"settings.impression_lookback_hours",
       [](AppSettings& s) { s.impression_lookback_hours = -1; }},
      {"settings.probabilistic_window_hours",
       [](AppSettings& s) { s.probabilistic_window_hours = -5; }},
      {"settings.mta_lookback_days", [](AppSettings& s) { s.mta_lookback_days = -1; }},
      {"settings.mta_lookback_days", [](AppSettings& s) { s.mta_lookback_days = 0; }},
      {"settings.mta_lookback_days", [](AppSettings& s) { s.mta_lookback_days = 366; }},
      {"settings.retention_days", [](AppSettings& s) { s.retention_days = 0; }},
      {"settings.retention_days", [](AppSettings& s) { s.retention_days = -400; }},
      {"settings.retention_days", [](AppSettings& s) { s.retention_days = 3651; }},
      {"settings.time_decay_half_life_hours",
       [](AppSettings& s) { s.time_decay_half_life_hours = -1; }},
      {"settings.time_decay_half_life_hours",
       [](AppSettings& s) { s.time_decay_half_life_hours = 0; }},
      {"settings.time_decay_half_life_hours",
       [nan](AppSettings& s) { s.time_decay_half_life_hours = nan; }},
      {"settings.time_decay_half_life_hours",
       [inf](AppSettings& s) { s.time_decay_half_life_hours = inf; }},
  };
  for (const BadSetting& c : cases) {
    AppSettings s;
    c.spoil(s);
    Status status = ValidateSettings(s);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(status.field(), c.field);
    EXPECT_EQ(status.reason(), "invalid_value");
    EXPECT_FALSE(status.message().empty());
  }
}

TEST(AppTest, PlatformIsOneOfThree) {
  EXPECT_TRUE(ValidatePlatform("ios").ok());
  EXPECT_TRUE(ValidatePlatform("android").ok());
  EXPECT_TRUE(ValidatePlatform("web").ok());
  for (std::string_view bad : {"", "IOS", "windows", "ios "}) {
    Status s = ValidatePlatform(bad);
    EXPECT_EQ(s.field(), "platform") << bad;
    EXPECT_EQ(s.reason(), "invalid_value");
  }
}

TEST(AppTest, NameIsOneTo200Bytes) {
  EXPECT_TRUE(ValidateAppName("a").ok());
  EXPECT_TRUE(ValidateAppName(std::string(200, 'x')).ok());
  EXPECT_EQ(ValidateAppName("").field(), "name");
  EXPECT_EQ(ValidateAppName(std::string(201, 'x')).field(), "name");
}

}  // namespace
}  // namespace unmogrowp
