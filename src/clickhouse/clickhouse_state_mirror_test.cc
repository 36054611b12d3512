// ClickHouseStateMirror against a real ClickHouse (the `clickhouse` test
// fixture), writing store writes directly: versions, tombstones, the last
// write of a key in a commit, range deletions, and string quoting. The
// whole pipeline over it is clickhouse_report_data_test.cc.

#include "clickhouse/clickhouse_state_mirror.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "clickhouse/clickhouse_report_data.h"
#include "clickhouse/clickhouse_test_util.h"
#include "clickhouse/report_tables.h"
#include "clickhouse/row_binary.h"
#include "clickhouse/state_rows.h"
#include "event/codec.h"
#include "event/event.h"
#include "store/device_state.h"
#include "store/install_rollup.h"
#include "store/keys.h"

namespace unmogrowp {
namespace {

using namespace std::string_literals;
using store::StoreWrite;
using store::Table;

constexpr char kApp[] = "app_m";

StoreWrite Put(Table table, std::string key, std::string value) {
  return StoreWrite{StoreWrite::Op::kPut, table, std::move(key), std::move(value)};
}
StoreWrite Delete(Table table, std::string key) {
  return StoreWrite{StoreWrite::Op::kDelete, table, std::move(key), ""};
}
StoreWrite DeleteRange(Table table, std::string begin, std::string end) {
  return StoreWrite{StoreWrite::Op::kDeleteRange, table, std::move(begin), std::move(end)};
}

std::string EventPayload(std::string app, std::string id, int64_t ts, std::string device) {
  Event e;
  e.app_id = std::move(app);
  e.event_id = std::move(id);
  e.event_type = "open";
  e.timestamp_ms = ts;
  e.received_ms = ts;
  e.device_id = std::move(device);
  std::string out;
  AppendEncoded(AsView(e), &out);
  return out;
}

StoreWrite PutEvent(std::string app, std::string id, int64_t ts, uint64_t seq, std::string device) {
  return Put(Table::kEventsByTime, store::EventTimeKey(app, ts, seq),
             EventPayload(app, std::move(id), ts, std::move(device)));
}

std::string DeviceWithInstall(std::string source) {
  store::DeviceState state;
  state.install = store::DeviceInstall{1000, 3, 1, std::move(source), "camp", "t1"};
  return store::EncodeDeviceState(state);
}

StoreWrite PutRollup(std::string app, int64_t deterministic) {
  return Put(Table::kInstallRollup, store::RollupKey(app, {20'000, false, "src", "camp"}),
             store::EncodeRollupCounters({deterministic, 0, 0, 1.5}));
}

class ClickHouseStateMirrorTest : public ClickHouseTest {
 protected:
  void SetUp() override {
    ClickHouseTest::SetUp();
    if (HasFatalFailure()) return;
    auto mirror = ClickHouseStateMirror::Open(options_, 0);
    ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
    mirror_ = std::move(*mirror);
    auto other = ClickHouseStateMirror::Open(options_, 1);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    other_ = std::move(*other);
    auto reports = ClickHouseReportData::Open(options_);
    ASSERT_TRUE(reports.ok()) << reports.status().ToString();
    reports_ = std::move(*reports);
  }

  // The event ids of the app's events, in report order.
  std::vector<std::string> EventIds(std::string_view app = kApp) {
    std::vector<std::string> ids;
    Status s = reports_->Events(
        app, INT64_MIN, INT64_MAX - 1, std::nullopt,
        [&](const analytics::ReportData::EventPosition&, std::string_view payload) {
          EventView event;
          EXPECT_TRUE(DecodeEncoded(payload, &event).ok());
          ids.emplace_back(event.event_id);
          return true;
        });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ids;
  }
  std::string InstallSource(std::string_view device) {
    auto install = reports_->DeviceInstall(kApp, device);
    EXPECT_TRUE(install.ok()) << install.status().ToString();
    if (!install.ok()) return "<error>";
    return *install ? (*install)->source : "<none>";
  }
  int64_t Deterministic(std::string_view app = kApp) {
    int64_t total = 0;
    Status s = reports_->InstallRollups(
        app, 0, 100'000, [&](const store::RollupChannel&, const store::RollupCounters& c) {
          total += c.deterministic;
          return true;
        });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return total;
  }

  std::unique_ptr<ClickHouseStateMirror> mirror_;
  std::unique_ptr<ClickHouseStateMirror> other_;
  std::unique_ptr<ClickHouseReportData> reports_;
};

TEST_F(ClickHouseStateMirrorTest, OpenCreatesTheReportTablesOnceAndMirrorsThem) {
  EXPECT_EQ(Scalar("SELECT count() FROM system.tables WHERE database = currentDatabase() AND "
                   "name != 'schema_migrations'"),
            "8");
  EXPECT_EQ(Scalar("SELECT max(version) FROM schema_migrations"), "1");
  auto again = ClickHouseStateMirror::Open(options_, 0);  // migrations already applied
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(mirror_->tables(), MirroredTables());
  EXPECT_EQ(ClickHouseStateMirror::Open(options_, -1).status().code(),
            StatusCode::kInvalidArgument);
}

// Two versions of a row in separate parts that are never merged: FINAL must
// pick the newest when reading, a tombstone included.
TEST_F(ClickHouseStateMirrorTest, ADeletedRowStaysDeletedAndTheNewestVersionWins) {
  for (const char* table : {"events", "devices", "install_rollup"}) {
    UM_ASSERT_OK(client_->Execute("SYSTEM STOP MERGES "s + table));
  }
  UM_ASSERT_OK(mirror_->Write(
      {PutEvent(kApp, "e1", 100, 1, "d1"), PutEvent(kApp, "e2", 200, 2, "d1"),
       Put(Table::kDevices, store::DeviceKey(kApp, "d1"), DeviceWithInstall("google")),
       PutRollup(kApp, 1)},
      3));
  UM_ASSERT_OK(
      mirror_->Write({Delete(Table::kEventsByTime, store::EventTimeKey(kApp, 100, 1)),
                      Delete(Table::kDevices, store::DeviceKey(kApp, "d1")), PutRollup(kApp, 5)},
                     5));
  EXPECT_EQ(Scalar("SELECT count() FROM events"), "3");  // both versions are still there
  EXPECT_EQ(EventIds(), std::vector<std::string>{"e2"});
  auto device_events = reports_->DeviceEvents(kApp, "d1");
  ASSERT_TRUE(device_events.ok()) << device_events.status().ToString();
  EXPECT_EQ(device_events->size(), 1u);
  EXPECT_EQ(InstallSource("d1"), "<none>");
  EXPECT_EQ(Deterministic(), 5);

  // An insert that arrives late, with an older version, changes nothing.
  UM_ASSERT_OK(mirror_->Write(
      {PutEvent(kApp, "e1", 100, 1, "d1"),
       Put(Table::kDevices, store::DeviceKey(kApp, "d1"), DeviceWithInstall("google")),
       PutRollup(kApp, 1)},
      3));
  EXPECT_EQ(EventIds(), std::vector<std::string>{"e2"});
  EXPECT_EQ(InstallSource("d1"), "<none>");
  EXPECT_EQ(Deterministic(), 5);
}

TEST_F(ClickHouseStateMirrorTest, ARetriedCommitChangesNothing) {
  const std::vector<StoreWrite> commit{
      PutEvent(kApp, "e1", 100, 1, "d1"), PutRollup(kApp, 2),
      Put(Table::kDevices, store::DeviceKey(kApp, "d1"), DeviceWithInstall("google"))};
  UM_ASSERT_OK(mirror_->Write(commit, 7));
  UM_ASSERT_OK(mirror_->Write(commit, 7));  // the same commit again (k = 1)
  UM_ASSERT_OK(mirror_->Write(commit, 7));
  EXPECT_EQ(EventIds(), std::vector<std::string>{"e1"});
  EXPECT_EQ(Deterministic(), 2);
  EXPECT_EQ(InstallSource("d1"), "google");
  EXPECT_EQ(Scalar("SELECT count() FROM (SELECT * FROM install_rollup FINAL)"), "1");
  EXPECT_EQ(Scalar("SELECT groupArray(version) FROM (SELECT version FROM events ORDER BY version)"),
            "[28672,28673,28674]");  // 7 * 4096 + k
}

TEST_F(ClickHouseStateMirrorTest, TheLastWriteOfAKeyInACommitIsTheOneKept) {
  UM_ASSERT_OK(mirror_->Write({PutRollup(kApp, 1), PutRollup(kApp, 2), PutRollup(kApp, 3)}, 10));
  EXPECT_EQ(Deterministic(), 3);
  UM_ASSERT_OK(mirror_->Write({PutEvent(kApp, "e1", 100, 1, "d1"),
                               Delete(Table::kEventsByTime, store::EventTimeKey(kApp, 100, 1)),
                               PutEvent(kApp, "e2", 200, 2, "d1")},
                              11));
  EXPECT_EQ(EventIds(), std::vector<std::string>{"e2"});
  UM_ASSERT_OK(mirror_->Write({Delete(Table::kEventsByTime, store::EventTimeKey(kApp, 100, 1)),
                               PutEvent(kApp, "e1", 100, 1, "d1")},
                              12));
  EXPECT_EQ(EventIds(), (std::vector<std::string>{"e1", "e2"}));
  // A device erased and seen again in one commit: its new state has no
  // install, which writes no row, so the deletion stands.
  UM_ASSERT_OK(mirror_->Write(
      {Put(Table::kDevices, store::DeviceKey(kApp, "d1"), DeviceWithInstall("google"))}, 13));
  EXPECT_EQ(InstallSource("d1"), "google");
  UM_ASSERT_OK(mirror_->Write(
      {Delete(Table::kDevices, store::DeviceKey(kApp, "d1")),
       Put(Table::kDevices, store::DeviceKey(kApp, "d1"), store::EncodeDeviceState({}))},
      14));
  EXPECT_EQ(InstallSource("d1"), "<none>");
}

TEST_F(ClickHouseStateMirrorTest, ARangeDeletionRemovesOnlyItsPartitionsRowsInTheRange) {
  const std::string app = store::AppPrefix(kApp);
  UM_ASSERT_OK(
      mirror_->Write({PutEvent(kApp, "old", 100, 1, "d1"), PutEvent(kApp, "new", 900, 2, "d1"),
                      PutEvent("app_n", "n1", 100, 3, "d1"), PutRollup(kApp, 1)},
                     4));
  UM_ASSERT_OK(other_->Write({PutEvent(kApp, "p1old", 100, 1, "d2")}, 2));
  // Retention before ts 500 in partition 0; a row written in the same
  // commit after the range stays.
  UM_ASSERT_OK(
      mirror_->Write({DeleteRange(Table::kEventsByTime, app, store::EventTimePrefix(kApp, 500)),
                      PutEvent(kApp, "later", 400, 5, "d1")},
                     6));
  EXPECT_EQ(EventIds(), (std::vector<std::string>{"p1old", "later", "new"}));
  EXPECT_EQ(EventIds("app_n"), std::vector<std::string>{"n1"});
  EXPECT_EQ(Scalar("SELECT count() FROM system.mutations WHERE database = currentDatabase() "
                   "AND is_done = 0"),
            "0");  // Write waited for it

  // App deletion in partition 0: every table, nothing of partition 1.
  std::vector<StoreWrite> deletion;
  for (Table t :
       {Table::kEventsByTime, Table::kDevices, Table::kInstallRollup, Table::kConversions,
        Table::kDeviceConversions, Table::kTouchesByDay, Table::kDailyStats, Table::kCohorts}) {
    deletion.push_back(DeleteRange(t, app, store::PrefixEnd(app)));
  }
  UM_ASSERT_OK(mirror_->Write(deletion, 7));
  EXPECT_EQ(EventIds(), std::vector<std::string>{"p1old"});
  EXPECT_EQ(Deterministic(), 0);
  EXPECT_EQ(EventIds("app_n"), std::vector<std::string>{"n1"});
  // A range with nothing in it sends no mutation.
  const std::string mutations = Scalar("SELECT count() FROM system.mutations");
  UM_ASSERT_OK(mirror_->Write(deletion, 8));
  EXPECT_EQ(Scalar("SELECT count() FROM system.mutations"), mutations);
}

TEST_F(ClickHouseStateMirrorTest, ARangeItCannotTranslateFailsTheCommit) {
  Status s = mirror_->Write(
      {DeleteRange(Table::kDevices, store::DeviceKey(kApp, "a"), store::DeviceKey(kApp, "c"))}, 3);
  EXPECT_EQ(s.code(), StatusCode::kInternal) << s.ToString();
  Status corrupt = mirror_->Write({Put(Table::kInstallRollup, store::RollupKey(kApp, {}), "x")}, 4);
  EXPECT_EQ(corrupt.code(), StatusCode::kCorruption) << corrupt.ToString();
  Status unmirrored = mirror_->Write({Put(Table::kDedup, "k", "v")}, 5);
  EXPECT_EQ(unmirrored.code(), StatusCode::kInternal) << unmirrored.ToString();
}

TEST_F(ClickHouseStateMirrorTest, QuotedStringsReachTheServerByteForByte) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  for (const std::string& text :
       {""s, "it's"s, "back\\slash"s, "\\'"s, "'; DROP TABLE events; --"s, "nul\0byte"s,
        "\xff\xfe not utf-8 \xc3"s, "line\nbreak\ttab"s, all_bytes}) {
    auto answer = client_->Query("SELECT " + QuoteClickHouseString(text) + " FORMAT RowBinary");
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    RowBinaryReader reader(*answer);
    auto value = reader.ReadString();
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    EXPECT_EQ(*value, text);
    EXPECT_TRUE(reader.AtEnd());
  }
  // And as keys: an app and a device id with those bytes.
  const std::string app = "a'p\\p\0\xff"s;
  const std::string device = "d'\\\0\x80"s;
  UM_ASSERT_OK(mirror_->Write(
      {PutEvent(app, "e1", 100, 1, device),
       Put(Table::kDevices, store::DeviceKey(app, device), DeviceWithInstall("src'\\"))},
      2));
  EXPECT_EQ(EventIds(app), std::vector<std::string>{"e1"});
  auto events = reports_->DeviceEvents(app, device);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_EQ(events->size(), 1u);
  auto install = reports_->DeviceInstall(app, device);
  ASSERT_TRUE(install.ok() && install->has_value());
  EXPECT_EQ((*install)->source, "src'\\");
  const std::string prefix = store::AppPrefix(app);
  UM_ASSERT_OK(
      mirror_->Write({DeleteRange(Table::kEventsByTime, prefix, store::PrefixEnd(prefix))}, 3));
  EXPECT_TRUE(EventIds(app).empty());
}

}  // namespace
}  // namespace unmogrowp
