#include "clickhouse/state_rows.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "analytics/cohort_row.h"
#include "analytics/daily_stats.h"
#include "clickhouse/report_tables.h"
#include "event/codec.h"
#include "event/event.h"
#include "store/device_state.h"
#include "store/install_rollup.h"
#include "store/journey_records.h"
#include "store/keys.h"

namespace unmogrowp {
namespace {

using namespace std::string_literals;
using store::Table;

constexpr char kApp[] = "app_1";

const ReportTableLayout& Layout(Table table) {
  const ReportTableLayout* layout = ReportLayoutOf(table);
  EXPECT_NE(layout, nullptr);
  return *layout;
}

// The row AppendStateRow makes, or the error text.
std::string Row(Table table, std::string_view key, const std::string* value) {
  RowBinaryWriter out;
  Result<bool> appended = AppendStateRow(Layout(table), key, value, &out);
  if (!appended.ok()) return "error: " + appended.status().ToString();
  if (!*appended) return "none";
  return out.data();
}

std::string Condition(Table table, std::string_view begin, std::string_view end) {
  Result<std::string> sql = KeyRangeCondition(Layout(table), begin, end);
  return sql.ok() ? *sql : "error: " + sql.status().ToString();
}

TEST(StateRowsTest, EveryReportTableIsMirroredAndNoOther) {
  uint32_t expected = 0;
  for (Table t :
       {Table::kEventsByTime, Table::kDevices, Table::kInstallRollup, Table::kConversions,
        Table::kDeviceConversions, Table::kTouchesByDay, Table::kDailyStats, Table::kCohorts}) {
    expected |= 1u << static_cast<int>(t);
  }
  EXPECT_EQ(MirroredTables(), expected);
  EXPECT_EQ(ReportLayoutOf(Table::kDedup), nullptr);
  EXPECT_EQ(ReportLayoutOf(Table::kDeviceEvents), nullptr);
  EXPECT_EQ(
      InsertColumns(Layout(Table::kTouchesByDay)),
      "app_id, day, device_id, ts_ms, seq, source, campaign, src_partition, version, deleted");
  EXPECT_EQ(InsertColumns(Layout(Table::kDeviceConversions)),
            "app_id, device_id, event_type, ts_ms, seq, src_partition, version, deleted");
}

TEST(StateRowsTest, KeysAndValuesBecomeTypedColumns) {
  // Each key made by the store's own encoder.
  RowBinaryWriter want;
  Event event;
  event.app_id = kApp;
  event.event_id = "e1";
  event.event_type = "click";
  event.timestamp_ms = -5;
  event.device_id = "d'1";
  std::string payload;
  AppendEncoded(AsView(event), &payload);
  want.PutString(kApp);
  want.PutInt64(-5);
  want.PutUInt64(42);
  want.PutString("d'1");
  want.PutString("e1");
  want.PutString("click");
  want.PutString(payload);
  EXPECT_EQ(Row(Table::kEventsByTime, store::EventTimeKey(kApp, -5, 42), &payload), want.data());

  store::RollupChannel channel{20'000, true, "src", "camp"};
  std::string counters = store::EncodeRollupCounters({1, 2, 3, 4.5});
  want.Clear();
  want.PutString(kApp);
  want.PutInt64(20'000);
  want.PutUInt8(1);
  want.PutString("src");
  want.PutString("camp");
  want.PutInt64(1);
  want.PutInt64(2);
  want.PutInt64(3);
  want.PutFloat64(4.5);
  EXPECT_EQ(Row(Table::kInstallRollup, store::RollupKey(kApp, channel), &counters), want.data());

  analytics::CohortRow cohort;
  cohort.installs = 3;
  cohort.Cell(0).active = 3;
  cohort.Cell(2).revenue = 1.5;
  std::string cohort_bytes = analytics::EncodeCohortRow(cohort);
  want.Clear();
  want.PutString(kApp);
  want.PutInt64(20'000);
  want.PutUInt8(1);
  want.PutString("src");
  want.PutString("camp");
  want.PutInt64(3);
  want.PutArraySize(2);
  want.PutInt64(0);
  want.PutInt64(2);
  want.PutArraySize(2);
  want.PutInt64(3);
  want.PutInt64(0);
  want.PutArraySize(2);
  want.PutFloat64(0);
  want.PutFloat64(1.5);
  EXPECT_EQ(Row(Table::kCohorts, store::RollupKey(kApp, channel), &cohort_bytes), want.data());

  store::ConversionRecord record{"dev", 9.5, {{100, "s1", "c1"}, {200, "s2", ""}}};
  std::string record_bytes = store::EncodeConversionRecord(record);
  want.Clear();
  want.PutString(kApp);
  want.PutString("purchase");
  want.PutInt64(300);
  want.PutUInt64(7);
  want.PutString("dev");
  want.PutFloat64(9.5);
  want.PutArraySize(2);
  want.PutInt64(100);
  want.PutInt64(200);
  want.PutArraySize(2);
  want.PutString("s1");
  want.PutString("s2");
  want.PutArraySize(2);
  want.PutString("c1");
  want.PutString("");
  EXPECT_EQ(Row(Table::kConversions, store::ConversionKey(kApp, "purchase", 300, 7), &record_bytes),
            want.data());

  std::string empty;
  want.Clear();
  want.PutString(kApp);
  want.PutString("dev");
  want.PutString("purchase");
  want.PutInt64(300);
  want.PutUInt64(7);
  EXPECT_EQ(Row(Table::kDeviceConversions,
                store::DeviceConversionKey(kApp, "dev", "purchase", 300, 7), &empty),
            want.data());

  store::DayTouch touch{20'000, "dev", 1'728'000'000'000, 9, "src", "camp"};
  std::string touch_value = store::TouchByDayValue(touch);
  want.Clear();
  want.PutString(kApp);
  want.PutInt64(20'000);
  want.PutString("dev");
  want.PutInt64(1'728'000'000'000);
  want.PutUInt64(9);
  want.PutString("src");
  want.PutString("camp");
  EXPECT_EQ(Row(Table::kTouchesByDay, store::TouchByDayKey(kApp, touch), &touch_value),
            want.data());

  analytics::StatsRow stats;
  stats.events = 5;
  stats.installs = 1;
  stats.revenue = 2.25;
  stats.devices.Add("dev");
  std::string stats_bytes = analytics::EncodeStatsRow(stats);
  want.Clear();
  want.PutString(kApp);
  want.PutInt64(20'000);
  want.PutUInt8(static_cast<uint8_t>(analytics::StatsDimension::kCampaign));
  want.PutString("camp");
  want.PutInt64(5);
  want.PutInt64(1);
  want.PutFloat64(2.25);
  want.PutString(stats.devices.Encode());
  EXPECT_EQ(Row(Table::kDailyStats,
                analytics::StatsKey(kApp, 20'000, analytics::StatsDimension::kCampaign, "camp"),
                &stats_bytes),
            want.data());
}

TEST(StateRowsTest, DevicesHoldTheInstallOnly) {
  store::DeviceState state;
  state.touches.push_back({1, 2, true, "s", "c", "t1"});
  std::string no_install = store::EncodeDeviceState(state);
  EXPECT_EQ(Row(Table::kDevices, store::DeviceKey(kApp, "dev"), &no_install), "none");

  state.install = store::DeviceInstall{10, 11, 1, "s", "c", "t1"};
  std::string with_install = store::EncodeDeviceState(state);
  RowBinaryWriter want;
  want.PutString(kApp);
  want.PutString("dev");
  want.PutInt64(10);
  want.PutUInt64(11);
  want.PutUInt8(1);
  want.PutString("s");
  want.PutString("c");
  want.PutString("t1");
  EXPECT_EQ(Row(Table::kDevices, store::DeviceKey(kApp, "dev"), &with_install), want.data());
}

TEST(StateRowsTest, ADeletionIsTheKeyWithDefaultValues) {
  RowBinaryWriter want;
  want.PutString(kApp);
  want.PutString("dev");
  want.PutInt64(0);
  want.PutUInt64(0);
  want.PutUInt8(0);
  want.PutString("");
  want.PutString("");
  want.PutString("");
  EXPECT_EQ(Row(Table::kDevices, store::DeviceKey(kApp, "dev"), nullptr), want.data());

  want.Clear();
  want.PutString(kApp);
  want.PutInt64(7);
  want.PutUInt64(8);
  for (int i = 0; i < 4; ++i) want.PutString("");
  EXPECT_EQ(Row(Table::kEventsByTime, store::EventTimeKey(kApp, 7, 8), nullptr), want.data());
}

TEST(StateRowsTest, MalformedKeysAndValuesAreCorruption) {
  std::string key = store::EventTimeKey(kApp, 7, 8);
  std::string garbage = "\x07junk";
  EXPECT_NE(Row(Table::kEventsByTime, key.substr(0, key.size() - 1), nullptr).find("Corruption"),
            std::string::npos);
  EXPECT_NE(Row(Table::kEventsByTime, key + "x", nullptr).find("Corruption"), std::string::npos);
  EXPECT_NE(Row(Table::kEventsByTime, key, &garbage).find("Corruption"), std::string::npos);
  EXPECT_NE(Row(Table::kInstallRollup, store::RollupKey(kApp, {}), &garbage).find("Corruption"),
            std::string::npos);
  EXPECT_NE(Row(Table::kDevices, store::DeviceKey(kApp, "d"), &garbage).find("Corruption"),
            std::string::npos);
}

TEST(StateRowsTest, AnAppDeletionSelectsTheAppInEveryTable) {
  const std::string app = store::AppPrefix("it's");
  for (Table t :
       {Table::kEventsByTime, Table::kDevices, Table::kInstallRollup, Table::kConversions,
        Table::kDeviceConversions, Table::kTouchesByDay, Table::kDailyStats, Table::kCohorts}) {
    EXPECT_EQ(Condition(t, app, store::PrefixEnd(app)), "app_id = 'it\\'s'");
  }
}

TEST(StateRowsTest, RetentionRangesSelectTheRowsBeforeTheCutoff) {
  const std::string app = store::AppPrefix(kApp);
  EXPECT_EQ(Condition(Table::kEventsByTime, app, store::EventTimePrefix(kApp, -1'000)),
            "app_id = 'app_1' AND ts_ms < -1000");
  EXPECT_EQ(Condition(Table::kTouchesByDay, app, store::RollupDayPrefix(kApp, 20'000)),
            "app_id = 'app_1' AND day < 20000");
  std::string type_prefix = store::ConversionTimeKey(kApp, "purchase", 0);
  type_prefix.resize(type_prefix.size() - 8);
  EXPECT_EQ(Condition(Table::kConversions, type_prefix,
                      store::ConversionTimeKey(kApp, "purchase", 1'700'000'000'000)),
            "app_id = 'app_1' AND event_type = 'purchase' AND ts_ms < 1700000000000");
  // Both bounds, and a lower bound up to the end of a prefix.
  EXPECT_EQ(Condition(Table::kEventsByTime, store::EventTimePrefix(kApp, 5),
                      store::EventTimePrefix(kApp, 9)),
            "app_id = 'app_1' AND ts_ms >= 5 AND ts_ms < 9");
  EXPECT_EQ(Condition(Table::kConversions, store::ConversionTimeKey(kApp, "purchase", 5),
                      store::PrefixEnd(type_prefix)),
            "app_id = 'app_1' AND event_type = 'purchase' AND ts_ms >= 5");
  EXPECT_EQ(Condition(Table::kEventsByTime, store::EventTimeKey(kApp, 5, 1),
                      store::EventTimeKey(kApp, 5, 9)),
            "app_id = 'app_1' AND ts_ms = 5 AND seq >= 1 AND seq < 9");
  EXPECT_EQ(Condition(Table::kEventsByTime, app,
                      store::EventTimePrefix(kApp, std::numeric_limits<int64_t>::min())),
            "app_id = 'app_1' AND ts_ms < -9223372036854775808");
  // Empty.
  EXPECT_EQ(Condition(Table::kEventsByTime, store::EventTimePrefix(kApp, 9),
                      store::EventTimePrefix(kApp, 5)),
            "0");
}

TEST(StateRowsTest, ARangeThatCannotBeTranslatedIsRefused) {
  const std::string app = store::AppPrefix(kApp);
  const std::string other = store::AppPrefix("app_3");
  auto refused = [](const std::string& condition) {
    return condition.find("Internal") != std::string::npos;
  };
  EXPECT_TRUE(refused(Condition(Table::kEventsByTime, app, other)));  // spans apps
  // ... unless it is exactly one app's (PrefixEnd of "\x05app_1" is "\x05app_2").
  EXPECT_EQ(Condition(Table::kEventsByTime, app, store::AppPrefix("app_2")), "app_id = 'app_1'");
  EXPECT_TRUE(refused(Condition(Table::kEventsByTime, app, "")));  // to the end
  EXPECT_TRUE(refused(Condition(Table::kEventsByTime, "", app)));  // from the start
  EXPECT_TRUE(refused(Condition(Table::kEventsByTime, app + "\x01", store::PrefixEnd(app))));
  EXPECT_TRUE(refused(Condition(Table::kDevices, store::DeviceKey(kApp, "a"),
                                store::DeviceKey(kApp, "c"))));  // a string range
  EXPECT_TRUE(refused(Condition(Table::kConversions, store::ConversionTimeKey(kApp, "a", 1),
                                store::PrefixEnd(app))));  // begins inside a string part's range
  EXPECT_TRUE(refused(Condition(Table::kEventsByTime, store::EventTimeKey(kApp, 1, 1),
                                store::EventTimeKey(kApp, 2, 1))));  // two parts differ
}

TEST(StateRowsTest, QuotingEscapesQuotesBackslashesAndEveryUnprintableByte) {
  EXPECT_EQ(QuoteClickHouseString(""), "''");
  EXPECT_EQ(QuoteClickHouseString("plain text"), "'plain text'");
  EXPECT_EQ(QuoteClickHouseString("it's"), "'it\\'s'");
  EXPECT_EQ(QuoteClickHouseString("a\\b"), "'a\\\\b'");
  EXPECT_EQ(QuoteClickHouseString("\\'"), "'\\\\\\''");
  EXPECT_EQ(QuoteClickHouseString("nul\0x"s), "'nul\\x00x'");
  EXPECT_EQ(QuoteClickHouseString("\xff\xfe\n\x7f"), "'\\xFF\\xFE\\x0A\\x7F'");
  EXPECT_EQ(QuoteClickHouseString("caf\xc3\xa9"), "'caf\\xC3\\xA9'");
}

}  // namespace
}  // namespace unmogrowp
