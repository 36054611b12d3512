#include <gtest/gtest.h>

#include "store/device_state.h"
#include "store/install_rollup.h"
#include "store/ip_ua_clicks.h"
#include "store/journey_records.h"
#include "store/keys.h"

namespace unmogrowp::store {
namespace {

TEST(DeviceStateTest, RoundTripsAndRejectsDamage) {
  DeviceState state;
  state.install = DeviceInstall{1000, 77, 1, "google_ads", "", "evt-1"};
  state.AddTouch(DeviceTouch{900, 60, true, "google_ads", "c1", "evt-1"});
  state.AddTouch(DeviceTouch{-5, 3, false, "", "", "evt-0"});
  state.AddTouch(DeviceTouch{900, 50, false, "meta", "c2", "evt-2"});
  state.SetLastConversion("install", 1000, 77);
  state.SetLastConversion("purchase", 2000, 90);
  state.SetLastConversion("install", 1001, 78);
  state.AddRecentConversion(RecentConversion{"purchase", 2000, 90});
  state.AddRecentConversion(RecentConversion{"install", 1000, 77});
  state.AddPending(20, 1.5, 1.5);
  state.AddPending(10, 2, 0);
  state.AddPending(20, 0.25, 0);
  EXPECT_TRUE(state.MarkCohortDay(0));
  EXPECT_TRUE(state.MarkCohortDay(13));
  EXPECT_FALSE(state.MarkCohortDay(13));
  EXPECT_TRUE(state.MarkCohortDay(365));

  // Touches keep (ts, seq) order whatever the insertion order.
  ASSERT_EQ(state.touches.size(), 3u);
  EXPECT_EQ(state.touches[0].event_id, "evt-0");
  EXPECT_EQ(state.touches[1].event_id, "evt-2");
  EXPECT_EQ(state.touches[2].event_id, "evt-1");
  EXPECT_EQ(state.FindLastConversion("install")->ts_ms, 1001);
  EXPECT_EQ(state.FindLastConversion("open"), nullptr);
  EXPECT_EQ(state.recent_conversions[0].event_type, "install");
  ASSERT_EQ(state.pending_days.size(), 2u);
  EXPECT_EQ(state.pending_days[0], (PendingDay{10, 1, 2, 0}));
  EXPECT_EQ(state.pending_days[1], (PendingDay{20, 2, 1.75, 1.5}));
  EXPECT_TRUE(state.CohortDay(13));
  EXPECT_FALSE(state.CohortDay(12));
  EXPECT_FALSE(state.CohortDay(1000));
  EXPECT_EQ(state.cohort_days.size(), 46u);

  std::string bytes = EncodeDeviceState(state);
  auto decoded = DecodeDeviceState(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, state);

  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(DecodeDeviceState(bytes.substr(0, cut)).ok()) << cut;
  }
  EXPECT_FALSE(DecodeDeviceState(bytes + "x").ok());
  EXPECT_EQ(*DecodeDeviceState(EncodeDeviceState(DeviceState())), DeviceState());
}

TEST(InstallRollupTest, KeysSortByDayAndRoundTrip) {
  RollupChannel a{-1, false, "google", "summer"};
  RollupChannel b{0, true, "", ""};
  RollupChannel c{0, false, "a", "b"};
  std::string ka = RollupKey("app_1", a);
  std::string kb = RollupKey("app_1", b);
  std::string kc = RollupKey("app_1", c);
  EXPECT_LT(ka, kb);
  EXPECT_LT(ka, kc);
  size_t prefix = AppPrefix("app_1").size();
  EXPECT_EQ(*DecodeRollupKey(ka, prefix), a);
  EXPECT_EQ(*DecodeRollupKey(kb, prefix), b);
  EXPECT_FALSE(DecodeRollupKey(ka.substr(0, ka.size() - 1), prefix).ok());

  RollupCounters counters{3, 1, 0, 19.99};
  counters.Add(RollupCounters{1, 0, 2, 0.01});
  EXPECT_EQ(*DecodeRollupCounters(EncodeRollupCounters(counters)),
            (RollupCounters{4, 1, 2, 19.99 + 0.01}));
}

TEST(IpUaClicksTest, RoundTrips) {
  std::vector<IpUaClick> clicks = {{1, 2, "s", "c", "e"}, {3, 4, "", "", "f"}};
  EXPECT_EQ(*DecodeIpUaClicks(EncodeIpUaClicks(clicks)), clicks);
  EXPECT_FALSE(DecodeIpUaClicks("\x05").ok());
}

TEST(JourneyRecordsTest, ConversionsRoundTripAndSortByTime) {
  ConversionRecord record{"dev-1", 9.99, {{100, "google", "c1"}, {250, "", ""}}};
  EXPECT_EQ(*DecodeConversionRecord(EncodeConversionRecord(record)), record);
  EXPECT_FALSE(DecodeConversionRecord(EncodeConversionRecord(record) + "x").ok());
  EXPECT_EQ(*DecodeConversionRecord(EncodeConversionRecord(ConversionRecord{})),
            ConversionRecord{});

  std::string early = ConversionKey("app", "install", -5, 900);
  std::string late = ConversionKey("app", "install", 7, 1);
  EXPECT_LT(early, late);
  EXPECT_LE(ConversionTimeKey("app", "install", 7), late);
  EXPECT_LT(late, ConversionTimeKey("app", "install", 8));
  // Another type's keys are outside the range.
  EXPECT_FALSE(ConversionKey("app", "installs", 7, 1) >= ConversionTimeKey("app", "install", 0) &&
               ConversionKey("app", "installs", 7, 1) < ConversionTimeKey("app", "install", 100));
}

TEST(JourneyRecordsTest, DeviceConversionTailAndTouchByDayRoundTrip) {
  std::string key = DeviceConversionKey("app", "dev", "purchase", -42, 77);
  auto tail = DecodeTimeSeqSuffix(key);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->ts_ms, -42);
  EXPECT_EQ(tail->seq, 77u);
  auto conversion_tail = DecodeTimeSeqSuffix(ConversionKey("app", "purchase", 5, 6));
  ASSERT_TRUE(conversion_tail.ok());
  EXPECT_EQ(conversion_tail->ts_ms, 5);
  EXPECT_EQ(conversion_tail->seq, 6u);
  EXPECT_LT(key, DeviceConversionTimeKey("app", "dev", "purchase", -41));

  DayTouch touch{20463, "dev-9", 1'768'003'200'123, 5, "meta", ""};
  std::string k = TouchByDayKey("app", touch);
  auto decoded = DecodeTouchByDay(k, TouchByDayValue(touch), AppPrefix("app").size());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, touch);
  EXPECT_EQ(k.substr(0, RollupDayPrefix("app", 20463).size()), RollupDayPrefix("app", 20463));
  EXPECT_FALSE(DecodeTouchByDay(k, "", AppPrefix("app").size()).ok());
}

TEST(KeysTest, DayOfMsFloorsNegativeTimes) {
  EXPECT_EQ(DayOfMs(0), 0);
  EXPECT_EQ(DayOfMs(86'399'999), 0);
  EXPECT_EQ(DayOfMs(86'400'000), 1);
  EXPECT_EQ(DayOfMs(-1), -1);
  EXPECT_EQ(DayOfMs(-86'400'000), -1);
  EXPECT_EQ(DayOfMs(-86'400'001), -2);
}

TEST(KeysTest, PartsCannotRunTogether) {
  // Length prefixes keep ("ab","c") and ("a","bc") apart.
  EXPECT_NE(DeviceKey("ab", "c"), DeviceKey("a", "bc"));
  EXPECT_NE(IpUaKey("a", "1.2.3.4", "x"), IpUaKey("a", "1.2.3.4x", ""));
  std::string prefix = DeviceEventsPrefix("app", "dev");
  EXPECT_EQ(DeviceEventKey("app", "dev", 5).substr(0, prefix.size()), prefix);
  EXPECT_LT(DeviceEventKey("app", "dev", 5), DeviceEventKey("app", "dev", 256));
}

}  // namespace
}  // namespace unmogrowp::store
