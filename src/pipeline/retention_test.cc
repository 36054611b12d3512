// Retention (EventProcessor::ApplyRetention) over a real store, and
// maintenance (Pipeline::RunMaintenance) over a real segmented log: what goes,
// what stays, and what the log still holds afterwards
// (docs/formats/state-store.md, "Erasure and retention"; docs/reports.md).

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analytics/cohort_row.h"
#include "analytics/daily_stats.h"
#include "core/scoped_temp_dir_for_test.h"
#include "event/log_payload.h"
#include "log/segmented_log.h"
#include "pipeline/event_processor.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_test_util.h"
#include "store/install_rollup.h"
#include "store/journey_records.h"

namespace unmogrowp {
namespace {

using namespace testing_util;
using namespace std::chrono_literals;

constexpr char kOther[] = "app_other";
constexpr int64_t kDay = 24 * kHour;
// Today: the day of kT0 (2026-01-10).
const int64_t kToday = store::DayOfMs(kT0);

// `days` days from kT0 (negative: before), plus `hours`.
int64_t At(int64_t days, int64_t hours = 0) { return kT0 + days * kDay + hours * kHour; }

Event Touch(std::string id, std::string type, int64_t ts, std::string device,
            std::string source = "google") {
  Event e = MakeEvent(std::move(id), std::move(type), ts, std::move(device));
  e.source = std::move(source);
  e.campaign = "camp";
  return e;
}

Event Purchase(std::string id, int64_t ts, std::string device, double revenue) {
  Event e = MakeEvent(std::move(id), "purchase", ts, std::move(device));
  e.revenue = revenue;
  return e;
}

Event ForApp(Event e, std::string app) {
  e.app_id = std::move(app);
  return e;
}

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::StateStore::Open({.dir = dir_.File("state")});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    processor_ = std::make_unique<EventProcessor>(
        store_.get(), [](std::string_view) -> Result<AppSettings> { return AppSettings(); });
  }

  // Applies `e` as the next log record (offsets grow by 100 per record) and
  // remembers where it went.
  void Apply(const Event& e) {
    Status s = processor_->Apply(Encode(e), next_offset_);
    ASSERT_TRUE(s.ok()) << e.event_id << ": " << s.ToString();
    applied_[e.event_id] = e;
    offsets_[e.event_id] = next_offset_;
    next_offset_ += 100;
  }
  void Commit() {
    Status s = processor_->Commit(next_offset_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EventProcessor::RetentionStats Retain(std::string_view app, int64_t cutoff_day) {
    EventProcessor::RetentionStats stats;
    Status s = processor_->ApplyRetention(app, cutoff_day, next_offset_, &stats);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return stats;
  }

  const Event& E(const std::string& id) { return applied_.at(id); }
  uint64_t Off(const std::string& id) { return offsets_.at(id); }

  std::string DeviceBytes(std::string_view app, std::string_view device) {
    std::string value;
    Result<bool> found = store_->Get(store::Table::kDevices, store::DeviceKey(app, device), &value);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() && *found ? value : std::string();
  }

  std::set<std::string> EventIdsByTime(std::string_view app) {
    std::set<std::string> ids;
    for (const auto& [k, v] : Dump(*store_, store::Table::kEventsByTime, store::AppPrefix(app))) {
      EventView event;
      Status s = DecodeEncoded(v, &event);
      EXPECT_TRUE(s.ok()) << s.ToString();
      ids.emplace(event.event_id);
    }
    return ids;
  }

  std::set<std::string> DeviceEventKeys(const std::vector<std::string>& ids) {
    std::set<std::string> keys;
    for (const std::string& id : ids) {
      keys.insert(store::DeviceEventKey(E(id).app_id, E(id).device_id, Off(id)));
    }
    return keys;
  }
  std::set<std::string> ConversionKeys(const std::vector<std::string>& ids) {
    std::set<std::string> keys;
    for (const std::string& id : ids) {
      keys.insert(
          store::ConversionKey(E(id).app_id, E(id).event_type, E(id).timestamp_ms, Off(id)));
    }
    return keys;
  }
  std::set<std::string> DeviceConversionKeys(const std::vector<std::string>& ids) {
    std::set<std::string> keys;
    for (const std::string& id : ids) {
      keys.insert(store::DeviceConversionKey(E(id).app_id, E(id).device_id, E(id).event_type,
                                             E(id).timestamp_ms, Off(id)));
    }
    return keys;
  }

  ScopedTempDir dir_;
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<EventProcessor> processor_;
  uint64_t next_offset_ = 0;
  std::map<std::string, Event> applied_;
  std::map<std::string, uint64_t> offsets_;
};

// Cutoff: today - 400. Events of kApp:
//   old     c-old (-500) i-old (-499) p-old (-450)         all before: state goes
//   mixed   c-mix1 (-420) i-mix (-419) p-mix1 (-405) | p-mix2 (-10) c-mix2 (-5) o-mix (0)
//   new     i-new (-100) p-new (-1)                          all kept
//   edge    o-edge1 (the cutoff - 1 ms) | o-edge2 (the cutoff exactly)
//   (none)  c-web (-450, no device id, with ip + user agent)
// and kOther: o1 with c-o1 (-500) i-o1 (-499) p-o1 (-450), all kept.
TEST_F(RetentionTest, RemovesRawDataBeforeTheCutoffAndKeepsRollups) {
  const int64_t cutoff_day = kToday - 400;
  const int64_t cutoff_ms = cutoff_day * kDay;
  Apply(Touch("c-old", "click", At(-500), "old"));
  Apply(MakeEvent("i-old", "install", At(-499), "old"));
  Apply(Purchase("p-old", At(-450), "old", 5));
  Apply(Touch("c-mix1", "click", At(-420), "mixed", "meta"));
  Apply(MakeEvent("i-mix", "install", At(-419), "mixed"));
  Apply(Purchase("p-mix1", At(-405), "mixed", 2));
  Commit();
  Event web = Touch("c-web", "click", At(-450), "");
  web.ip = "203.0.113.9";
  web.user_agent = "UA/web";
  Apply(web);
  Apply(MakeEvent("i-new", "install", At(-100), "new"));
  Apply(MakeEvent("o-edge1", "open", cutoff_ms - 1, "edge"));
  Apply(MakeEvent("o-edge2", "open", cutoff_ms, "edge"));
  Apply(Purchase("p-mix2", At(-10), "mixed", 7));
  Apply(Touch("c-mix2", "click", At(-5), "mixed", "tiktok"));
  Apply(Purchase("p-new", At(-1), "new", 1));
  Apply(MakeEvent("o-mix", "open", At(0, 1), "mixed"));
  Apply(ForApp(Touch("c-o1", "click", At(-500), "o1"), kOther));
  Apply(ForApp(MakeEvent("i-o1", "install", At(-499), "o1"), kOther));
  Apply(ForApp(Purchase("p-o1", At(-450), "o1", 9), kOther));
  Commit();

  // Before: every event is there.
  ASSERT_EQ(EventIdsByTime(kApp).size(), 14u);
  ASSERT_FALSE(DeviceBytes(kApp, "old").empty());
  ASSERT_EQ(Dump(*store_, store::Table::kTouchesByDay, store::AppPrefix(kApp)).size(), 3u);
  const std::string prefix = store::AppPrefix(kApp);
  const Rows stats_before = Dump(*store_, store::Table::kDailyStats, prefix);
  const Rows rollup_before = Dump(*store_, store::Table::kInstallRollup, prefix);
  const Rows cohorts_before = Dump(*store_, store::Table::kCohorts, prefix);
  ASSERT_FALSE(stats_before.empty());
  ASSERT_FALSE(rollup_before.empty());
  ASSERT_FALSE(cohorts_before.empty());
  const std::string mixed_before = DeviceBytes(kApp, "mixed");
  const std::string new_before = DeviceBytes(kApp, "new");
  const std::string edge_before = DeviceBytes(kApp, "edge");
  const auto other_before = DumpApp(*store_, kOther);
  const uint64_t checkpoint = next_offset_;

  EventProcessor::RetentionStats stats = Retain(kApp, cutoff_day);

  // Index entries of c-old i-old p-old c-mix1 i-mix p-mix1 o-edge1 (c-web
  // has no device); the state of "old".
  EXPECT_EQ(stats.events, 7u);
  EXPECT_EQ(stats.devices, 1u);
  EXPECT_EQ(*store_->Checkpoint(), checkpoint);

  const std::vector<std::string> kept = {"o-edge2", "p-mix2", "c-mix2", "o-mix", "i-new", "p-new"};
  EXPECT_EQ(EventIdsByTime(kApp), std::set<std::string>(kept.begin(), kept.end()));
  for (const auto& [k, v] : Dump(*store_, store::Table::kEventsByTime, prefix)) {
    EXPECT_FALSE(k < store::EventTimePrefix(kApp, cutoff_ms)) << "an events_by_time row before";
  }
  EXPECT_EQ(Keys(Dump(*store_, store::Table::kDeviceEvents, prefix)), DeviceEventKeys(kept));

  // Devices: "old" had nothing since the cutoff; the others keep their
  // state, less the touches and recent conversions from before the cutoff
  // (o-edge2 is on the cutoff day itself, o-edge1 the day before).
  EXPECT_TRUE(DeviceBytes(kApp, "old").empty());
  EXPECT_EQ(DeviceBytes(kApp, "new"), new_before);
  for (auto [device, before] : {std::pair{"mixed", &mixed_before}, {"edge", &edge_before}}) {
    Result<store::DeviceState> was = store::DecodeDeviceState(*before);
    Result<store::DeviceState> now = store::DecodeDeviceState(DeviceBytes(kApp, device));
    ASSERT_TRUE(was.ok() && now.ok()) << device;
    std::erase_if(was->touches, [&](const auto& t) { return t.ts_ms < cutoff_ms; });
    std::erase_if(was->recent_conversions, [&](const auto& c) { return c.ts_ms < cutoff_ms; });
    EXPECT_EQ(*now, *was) << device;
  }

  // Conversions (first installs and in-app events) since the cutoff.
  const std::vector<std::string> conversions = {"o-edge2", "p-mix2", "o-mix", "i-new", "p-new"};
  EXPECT_EQ(Keys(Dump(*store_, store::Table::kConversions, prefix)), ConversionKeys(conversions));
  EXPECT_EQ(Keys(Dump(*store_, store::Table::kDeviceConversions, prefix)),
            DeviceConversionKeys(conversions));
  // Touches by day: c-mix2 only.
  EXPECT_EQ(Keys(Dump(*store_, store::Table::kTouchesByDay, prefix)),
            (std::set<std::string>{store::TouchByDayKey(
                kApp, store::DayTouch{kToday - 5, "mixed", At(-5), Off("c-mix2"), "", ""})}));

  // Rollups stay byte for byte; the other app entirely.
  EXPECT_EQ(Dump(*store_, store::Table::kDailyStats, prefix), stats_before);
  EXPECT_EQ(Dump(*store_, store::Table::kInstallRollup, prefix), rollup_before);
  EXPECT_EQ(Dump(*store_, store::Table::kCohorts, prefix), cohorts_before);
  EXPECT_EQ(DumpApp(*store_, kOther), other_before);
  // The dedup index keeps every id: a re-sent expired event is still a copy.
  EXPECT_EQ(Dump(*store_, store::Table::kDedup, prefix).size(), 14u);

  // A second run finds nothing more.
  const auto after_first = DumpApp(*store_, kApp);
  EventProcessor::RetentionStats again = Retain(kApp, cutoff_day);
  EXPECT_EQ(again.events, 0u);
  EXPECT_EQ(again.devices, 0u);
  EXPECT_EQ(DumpApp(*store_, kApp), after_first);
}

// reports.md: touchpoints older than the retention are removed. The
// probabilistic-match index keeps clicks (with their ip and user agent in the
// key) until a newer click of the same pair prunes them.
TEST_F(RetentionTest, RemovesOldClicksFromTheIpUserAgentIndex) {
  Event web = Touch("c-web", "click", At(-450), "");
  web.ip = "203.0.113.9";
  web.user_agent = "UA/web";
  Apply(web);
  Commit();
  ASSERT_EQ(Dump(*store_, store::Table::kClicksByIpUa, store::AppPrefix(kApp)).size(), 1u);
  Retain(kApp, kToday - 400);
  EXPECT_TRUE(Dump(*store_, store::Table::kClicksByIpUa, store::AppPrefix(kApp)).empty())
      << "a click from 450 days ago, with its ip and user agent, outlived a 400-day retention";
}

// A device keeps its state when it has a newer event, but its conversions
// before the cutoff are gone; an event older than the cutoff that arrives
// afterwards (a late, offline-queued event) must still be processable.
TEST_F(RetentionTest, ALateEventOlderThanTheCutoffStillApplies) {
  Apply(Purchase("p-late1", At(-405), "late", 2));
  Commit();
  Apply(Touch("c-late2", "click", At(-3), "late"));
  Commit();
  Retain(kApp, kToday - 400);
  ASSERT_FALSE(DeviceBytes(kApp, "late").empty());

  // A click a day before the expired purchase: it would join that
  // purchase's path, whose record retention deleted.
  Status s = processor_->Apply(Encode(Touch("c-late0", "click", At(-406), "late")), next_offset_);
  EXPECT_TRUE(s.ok()) << s.ToString();
  processor_->Reset();
  // A purchase before the expired one: it would cut that one's path.
  s = processor_->Apply(Encode(Purchase("p-late0", At(-407), "late", 1)), next_offset_);
  EXPECT_TRUE(s.ok()) << s.ToString();
  processor_->Reset();
}

// docs/reports.md, Erasure: an erasure subtracts the device's events that
// are still stored; what events already removed by retention added to the
// rollups stays there as anonymous sums -- in every rollup alike (the
// cohort's install too, since the install event is gone).
TEST_F(RetentionTest, AnErasureAfterRetentionLeavesExpiredSumsInEveryRollupAlike) {
  Apply(Touch("c-gone", "click", At(-420), "gone"));
  Apply(MakeEvent("i-gone", "install", At(-419), "gone"));
  Apply(Purchase("p-gone", At(-419, 1), "gone", 4));
  Apply(MakeEvent("o-gone", "open", At(-1), "gone"));
  Commit();
  Retain(kApp, kToday - 400);
  ASSERT_FALSE(DeviceBytes(kApp, "gone").empty());

  std::string erasure;
  AppendErasure(ErasureRecord{kApp, "gone", kT0}, &erasure);
  Status s = processor_->Apply(erasure, next_offset_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  next_offset_ += 100;
  Commit();
  EXPECT_TRUE(DeviceBytes(kApp, "gone").empty());

  const int64_t install_day = kToday - 419;
  const store::RollupChannel google{install_day, false, "google", "camp"};
  std::string value;
  ASSERT_TRUE(*store_->Get(store::Table::kCohorts, store::RollupKey(kApp, google), &value));
  Result<analytics::CohortRow> cohort = analytics::DecodeCohortRow(value);
  ASSERT_TRUE(cohort.ok()) << cohort.status().ToString();
  // i-gone and p-gone expired: the cohort keeps its install and day 0 (o-gone
  // is 418 days after the install, beyond the cohort's 365).
  EXPECT_EQ(cohort->installs, 1) << "cohort installs";
  ASSERT_EQ(cohort->cells.size(), 1u);
  EXPECT_EQ(cohort->cells[0], (analytics::CohortCell{0, 1, 4.0}));
  ASSERT_TRUE(*store_->Get(store::Table::kInstallRollup, store::RollupKey(kApp, google), &value));
  Result<store::RollupCounters> installs = store::DecodeRollupCounters(value);
  ASSERT_TRUE(installs.ok()) << installs.status().ToString();
  EXPECT_EQ(installs->deterministic, 1) << "installs report row: i-gone (expired)";
  EXPECT_EQ(installs->revenue, 4) << "installs report row: p-gone's revenue (expired)";
  ASSERT_TRUE(*store_->Get(
      store::Table::kDailyStats,
      analytics::StatsKey(kApp, install_day, analytics::StatsDimension::kAll, ""), &value));
  Result<analytics::StatsRow> stats = analytics::DecodeStatsRow(value);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->events, 2) << "daily stats events (i-gone, p-gone, expired)";
  EXPECT_EQ(stats->installs, 1) << "daily stats installs";
  EXPECT_EQ(stats->revenue, 4) << "daily stats revenue";
  // o-gone was still stored: its day no longer counts it.
  ASSERT_TRUE(*store_->Get(
      store::Table::kDailyStats,
      analytics::StatsKey(kApp, kToday - 1, analytics::StatsDimension::kAll, ""), &value));
  stats = analytics::DecodeStatsRow(value);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->events, 0) << "daily stats events (o-gone, erased)";
}

// --- Pipeline::RunMaintenance over a real segmented log ---

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = SegmentedLog::Open({.dir = dir_.File("log")});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    auto opened = store::StateStore::Open({.dir = dir_.File("state")});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }

  std::unique_ptr<Pipeline> StartPipeline() {
    Pipeline::Options options;
    options.log = log_.get();
    options.store = store_.get();
    options.settings = [](std::string_view) -> Result<AppSettings> { return AppSettings(); };
    options.list_apps = []() -> Result<std::vector<std::pair<std::string, int64_t>>> {
      return std::vector<std::pair<std::string, int64_t>>{{kApp, 400}, {kOther, 3650}};
    };
    options.redact_log = RedactSegmentedLog(log_.get());
    options.now_ms = [] { return kT0 + 12 * kHour; };
    auto started = Pipeline::Start(std::move(options));
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    return started.ok() ? std::move(*started) : nullptr;
  }

  // Appends the payloads as one batch and waits for durability.
  void AppendPayloads(const std::vector<std::string>& payloads) {
    EncodedBatch batch;
    for (const std::string& p : payloads) {
      batch.bytes += p;
      batch.EndEvent();
    }
    Result<uint64_t> appended = AppendDurably(*log_, std::move(batch));
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  }
  void Append(const std::vector<Event>& events) {
    std::vector<std::string> payloads;
    for (const Event& e : events) payloads.push_back(Encode(e));
    AppendPayloads(payloads);
  }
  void AppendErasure(std::string app, std::string device) {
    std::string payload;
    unmogrowp::AppendErasure(ErasureRecord{std::move(app), std::move(device), kT0}, &payload);
    AppendPayloads({payload});
  }

  // Every record of the log from offset 0: offset -> payload.
  std::map<uint64_t, std::string> ReadLog() {
    std::map<uint64_t, std::string> records;
    auto reader = log_->NewReader(0);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) return records;
    LogRecord record;
    while (true) {
      Result<bool> next = (*reader)->Next(&record);
      EXPECT_TRUE(next.ok()) << next.status().ToString();
      if (!next.ok() || !*next) break;
      records.emplace(record.offset, std::string(record.payload));
    }
    return records;
  }

  ScopedTempDir dir_;
  std::unique_ptr<SegmentedLog> log_;
  std::unique_ptr<store::StateStore> store_;
};

// The label of a record: its event id, or "erasure".
std::string Label(const std::string& payload) {
  if (KindOfPayload(payload) == PayloadKind::kErasure) return "erasure";
  EventView event;
  if (!DecodeEncoded(payload, &event).ok()) return "<undecodable>";
  return std::string(event.event_id);
}

TEST_F(MaintenanceTest, RedactsExpiredAndErasedRecordsOnce) {
  // Today is kT0's day; kApp keeps 400 days, kOther 3650.
  Append({
      Touch("c-old", "click", At(-450), "old"),
      MakeEvent("i-old", "install", At(-449), "old"),
      [] {
        Event web = Touch("c-web", "click", At(-450), "");
        web.ip = "198.51.100.4";
        web.user_agent = "UA";
        return web;
      }(),
      MakeEvent("i-keep", "install", At(-1), "keep"),
      Purchase("p-keep", At(-1, 1), "keep", 3),
      MakeEvent("i-er", "install", At(-2), "erased"),
      Purchase("p-er", At(-2, 1), "erased", 4),
      Purchase("p-mixold", At(-410), "mixed", 1),
      MakeEvent("o-mixnew", "open", At(-10), "mixed"),
      ForApp(MakeEvent("i-o1", "install", At(-450), "o1"), kOther),
  });
  AppendErasure(kApp, "erased");
  // After the erasure: a re-sent copy of p-er (a duplicate) and new data.
  Append({Purchase("p-er", At(-2, 1), "erased", 4), Purchase("p-er2", At(0), "erased", 6)});

  auto pipeline = StartPipeline();
  ASSERT_NE(pipeline, nullptr);
  ASSERT_TRUE(pipeline->WaitForOffset(log_->DurableEndOffset(), 30s));
  const std::map<uint64_t, std::string> before = ReadLog();
  ASSERT_EQ(before.size(), 13u);
  std::string marker;
  ASSERT_TRUE(*store_->Get(store::Table::kMeta, ErasureMarkerKey(kApp, "erased"), &marker));

  Result<Pipeline::MaintenanceReport> report = pipeline->RunMaintenance(30s);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // Device index entries c-old, i-old, p-mixold (c-web has none; the erased
  // device's are gone already); the state of "old" ("mixed" has o-mixnew).
  EXPECT_EQ(report->events_expired, 3u);
  EXPECT_EQ(report->devices_expired, 1u);
  // Retention: c-old i-old c-web p-mixold; erasure: i-er p-er, the erasure
  // record, the copy of p-er.
  EXPECT_EQ(report->records_redacted, 8u);
  EXPECT_EQ(report->erasures_completed, 1u);
  EXPECT_EQ(report->finished_ms, kT0 + 12 * kHour);

  const std::multiset<std::string> redacted_labels = {"c-old", "i-old", "c-web", "p-mixold",
                                                      "i-er",  "p-er",  "p-er",  "erasure"};
  std::multiset<std::string> got_redacted;
  const std::map<uint64_t, std::string> after = ReadLog();
  ASSERT_EQ(after.size(), before.size());
  for (const auto& [offset, payload] : before) {
    auto it = after.find(offset);
    ASSERT_NE(it, after.end()) << "record at " << offset << " (" << Label(payload) << ") is gone";
    ASSERT_EQ(it->second.size(), payload.size()) << Label(payload);
    if (KindOfPayload(it->second) == PayloadKind::kRedacted) {
      got_redacted.insert(Label(payload));
      EXPECT_EQ(it->second, std::string(1, '\x81') + std::string(payload.size() - 1, '\0'));
    } else {
      EXPECT_EQ(it->second, payload) << Label(payload) << " changed without being redacted";
    }
  }
  EXPECT_EQ(got_redacted, redacted_labels);
  EXPECT_FALSE(*store_->Get(store::Table::kMeta, ErasureMarkerKey(kApp, "erased"), &marker));

  // A second run: nothing left to do.
  Result<Pipeline::MaintenanceReport> second = pipeline->RunMaintenance(30s);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->events_expired, 0u);
  EXPECT_EQ(second->devices_expired, 0u);
  EXPECT_EQ(second->records_redacted, 0u);
  EXPECT_EQ(second->erasures_completed, 0u);
  EXPECT_EQ(ReadLog(), after);
  pipeline->Stop();
  EXPECT_TRUE(pipeline->health().ok()) << pipeline->health().ToString();
}

}  // namespace
}  // namespace unmogrowp
