// App deletion (EventProcessor::ApplyAppDeletion) over a real store, and its
// log redaction (Pipeline::RunMaintenance) over a real segmented log: every
// row of the app goes from every table, another app's rows stay, and none of
// it comes back -- not from the app's events after the deletion, not from a
// replay of the log (docs/reports.md, "App deletion").

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/scoped_temp_dir_for_test.h"
#include "event/log_payload.h"
#include "log/segmented_log.h"
#include "pipeline/event_processor.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_test_util.h"

namespace unmogrowp {
namespace {

using namespace testing_util;
using namespace std::chrono_literals;

constexpr char kOther[] = "app_other";

Event ForApp(Event e, std::string_view app) {
  e.app_id = std::string(app);
  return e;
}

// Events of `app` that leave rows in every per-app table: device and
// ip + user-agent clicks, an impression, installs (attributed and organic),
// purchases (conversions with paths, cohorts, revenue), an open.
std::vector<Event> Dataset(std::string_view app, std::string_view tag) {
  const std::string t(tag);
  Event click = MakeEvent("c1-" + t, "click", kT0, "d1-" + t);
  click.source = "google";
  click.campaign = "camp";
  Event web = MakeEvent("cw-" + t, "click", kT0 + 1, "");
  web.source = "meta";
  web.ip = "198.51.100.7";
  web.user_agent = "UA/" + t;
  Event impression = MakeEvent("m2-" + t, "impression", kT0 + 2, "d2-" + t);
  impression.source = "tiktok";
  Event purchase = MakeEvent("p1-" + t, "purchase", kT0 + 3 * kHour, "d1-" + t);
  purchase.revenue = 4.5;
  Event late_purchase = MakeEvent("p3-" + t, "purchase", kT0 + 30 * kHour, "d3-" + t);
  late_purchase.revenue = 1;
  std::vector<Event> events = {
      click,
      web,
      impression,
      MakeEvent("i1-" + t, "install", kT0 + kHour, "d1-" + t),
      MakeEvent("i2-" + t, "install", kT0 + kHour, "d2-" + t),
      MakeEvent("i3-" + t, "install", kT0 + 2 * kHour, "d3-" + t),
      purchase,
      MakeEvent("o2-" + t, "open", kT0 + 26 * kHour, "d2-" + t),
      late_purchase,
  };
  for (Event& e : events) e = ForApp(std::move(e), app);
  return events;
}

std::string DeletionPayload(std::string_view app) {
  std::string payload;
  AppendAppDeletion(AppDeletionRecord{std::string(app), kT0}, &payload);
  return payload;
}

std::string ErasurePayload(std::string_view app, std::string_view device) {
  std::string payload;
  AppendErasure(ErasureRecord{std::string(app), std::string(device), kT0}, &payload);
  return payload;
}

bool Empty(const std::map<store::Table, Rows>& tables) {
  for (const auto& [table, rows] : tables) {
    if (!rows.empty()) return false;
  }
  return true;
}

// --- EventProcessor over a real store ---

class AppDeletionTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore("state"); }

  std::unique_ptr<store::StateStore> OpenStore(const std::string& name) {
    auto opened = store::StateStore::Open({.dir = dir_.File(name)});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // A processor whose settings lookup knows every app but those in
  // `unknown_`, and that records the apps it is told were deleted.
  std::unique_ptr<EventProcessor> NewProcessor(store::StateStore* store) {
    return std::make_unique<EventProcessor>(
        store,
        [this](std::string_view app) -> Result<AppSettings> {
          if (unknown_.count(std::string(app)) != 0) return Status::NotFound("no such app");
          return AppSettings();
        },
        [this](std::string_view app) {
          deleted_calls_.emplace_back(app);
          return app_deleted_status_;
        });
  }

  // Applies `payload` as the next log record (offsets grow by 100), keeping
  // it for Replay.
  void Apply(EventProcessor& processor, const std::string& payload) {
    Status s = processor.Apply(payload, next_offset_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    records_.emplace_back(next_offset_, payload);
    next_offset_ += 100;
  }
  void ApplyEvents(EventProcessor& processor, const std::vector<Event>& events) {
    for (const Event& e : events) Apply(processor, Encode(e));
  }
  void Commit(EventProcessor& processor) {
    Status s = processor.Commit(next_offset_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Every record applied so far, applied again from the start to a new store
  // in batches of `batch` records.
  std::unique_ptr<store::StateStore> Replay(const std::string& name, size_t batch) {
    auto store = OpenStore(name);
    if (store == nullptr) return nullptr;
    auto processor = NewProcessor(store.get());
    for (size_t i = 0; i < records_.size(); ++i) {
      Status s = processor->Apply(records_[i].second, records_[i].first);
      EXPECT_TRUE(s.ok()) << "record " << i << ": " << s.ToString();
      if ((i + 1) % batch == 0 || i + 1 == records_.size()) {
        s = processor->Commit(records_[i].first + 100);
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    }
    return store;
  }

  Result<DeletedAppMarker> Marker(const store::StateStore& store, std::string_view app) {
    std::string value;
    UM_ASSIGN_OR_RETURN(bool found, store.Get(store::Table::kMeta, DeletedAppKey(app), &value));
    if (!found) return Status::NotFound("no marker");
    return DecodeDeletedAppMarker(value);
  }

  ScopedTempDir dir_;
  std::unique_ptr<store::StateStore> store_;
  std::set<std::string> unknown_;
  std::vector<std::string> deleted_calls_;
  Status app_deleted_status_;
  uint64_t next_offset_ = 0;
  std::vector<std::pair<uint64_t, std::string>> records_;
};

TEST_F(AppDeletionTest, RemovesEveryRowOfTheAppAndNothingElse) {
  auto processor = NewProcessor(store_.get());
  ApplyEvents(*processor, Dataset(kApp, "a"));
  ApplyEvents(*processor, Dataset(kOther, "o"));
  Commit(*processor);
  Apply(*processor, ErasurePayload(kApp, "d3-a"));
  Apply(*processor, ErasurePayload(kOther, "d3-o"));
  ApplyEvents(*processor, Dataset(kApp, "b"));
  Commit(*processor);

  // The dataset reaches every table, so an empty table below means deleted.
  const std::map<store::Table, Rows> app_before = DumpApp(*store_, kApp);
  for (const auto& [table, rows] : app_before) {
    EXPECT_FALSE(rows.empty()) << "table " << static_cast<int>(table) << " has no row of the app";
  }
  const std::map<store::Table, Rows> other_before = DumpApp(*store_, kOther);
  std::string value;
  ASSERT_TRUE(*store_->Get(store::Table::kMeta, ErasureMarkerKey(kApp, "d3-a"), &value));

  // Events of the app in the same batch as the deletion, before it: they
  // are in memory only when the deletion comes.
  ApplyEvents(*processor, {ForApp(MakeEvent("o-same", "open", kT0 + 40 * kHour, "d9"), kApp)});
  const uint64_t deletion_offset = next_offset_;
  Apply(*processor, DeletionPayload(kApp));
  EXPECT_EQ(deleted_calls_, std::vector<std::string>{kApp});
  Commit(*processor);

  EXPECT_TRUE(Empty(DumpApp(*store_, kApp)));
  EXPECT_EQ(DumpApp(*store_, kOther), other_before);
  EXPECT_FALSE(*store_->Get(store::Table::kMeta, ErasureMarkerKey(kApp, "d3-a"), &value));
  EXPECT_TRUE(*store_->Get(store::Table::kMeta, ErasureMarkerKey(kOther, "d3-o"), &value));
  Result<DeletedAppMarker> marker = Marker(*store_, kApp);
  ASSERT_TRUE(marker.ok()) << marker.status().ToString();
  EXPECT_EQ(marker->offset, deletion_offset);
  EXPECT_FALSE(marker->log_redacted);
  EXPECT_EQ(Marker(*store_, kOther).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(processor->stats().app_deletions, 1u);
}

TEST_F(AppDeletionTest, EventsAfterTheDeletionAreSkippedAndCounted) {
  auto processor = NewProcessor(store_.get());
  ApplyEvents(*processor, Dataset(kApp, "a"));
  Commit(*processor);
  const uint64_t applied = processor->stats().applied;
  Apply(*processor, DeletionPayload(kApp));
  // In the same batch as the deletion, then in later ones: copies of old
  // events and new ones, and an erasure of one of its devices.
  std::vector<Event> after = Dataset(kApp, "a");
  for (const Event& e : Dataset(kApp, "new")) after.push_back(e);
  ApplyEvents(*processor, after);
  Commit(*processor);
  EXPECT_TRUE(Empty(DumpApp(*store_, kApp)));
  ApplyEvents(*processor, Dataset(kApp, "later"));
  Apply(*processor, ErasurePayload(kApp, "d1-a"));
  ApplyEvents(*processor, Dataset(kOther, "o"));
  Commit(*processor);

  EXPECT_TRUE(Empty(DumpApp(*store_, kApp)));
  std::string value;
  EXPECT_FALSE(*store_->Get(store::Table::kMeta, ErasureMarkerKey(kApp, "d1-a"), &value));
  EXPECT_FALSE(DumpApp(*store_, kOther).at(store::Table::kEventsByTime).empty());
  const EventProcessor::Stats& stats = processor->stats();
  EXPECT_EQ(stats.unknown_app, 3 * Dataset(kApp, "x").size());
  EXPECT_EQ(stats.applied, applied + Dataset(kOther, "o").size());
  EXPECT_EQ(stats.duplicates, 0u);
  EXPECT_EQ(stats.erasures, 0u);
}

TEST_F(AppDeletionTest, AReplayOfTheLogDoesNotBringTheAppBack) {
  auto processor = NewProcessor(store_.get());
  ApplyEvents(*processor, Dataset(kApp, "a"));
  ApplyEvents(*processor, Dataset(kOther, "o"));
  Apply(*processor, ErasurePayload(kApp, "d2-a"));
  Commit(*processor);
  Apply(*processor, DeletionPayload(kApp));
  ApplyEvents(*processor, Dataset(kApp, "b"));
  ApplyEvents(*processor, Dataset(kOther, "o2"));
  Commit(*processor);
  ASSERT_TRUE(Empty(DumpApp(*store_, kApp)));
  const std::map<store::Table, Rows> other = DumpApp(*store_, kOther);

  // A rebuild while the app is still registered (the deletion record was
  // applied before the API removed it) ...
  for (size_t batch : {size_t{1}, size_t{4}, size_t{1000}}) {
    auto rebuilt = Replay("replay-" + std::to_string(batch), batch);
    ASSERT_NE(rebuilt, nullptr);
    EXPECT_TRUE(Empty(DumpApp(*rebuilt, kApp))) << "batches of " << batch;
    EXPECT_EQ(DumpApp(*rebuilt, kOther), other) << "batches of " << batch;
    EXPECT_TRUE(Marker(*rebuilt, kApp).ok()) << "batches of " << batch;
  }
  // ... and after: its events are skipped from the first.
  unknown_.insert(kApp);
  auto rebuilt = Replay("replay-unknown", 4);
  ASSERT_NE(rebuilt, nullptr);
  EXPECT_TRUE(Empty(DumpApp(*rebuilt, kApp)));
  EXPECT_EQ(DumpApp(*rebuilt, kOther), other);
}

TEST_F(AppDeletionTest, TheCallbackRunsBeforeTheCommitAndItsErrorFailsTheApply) {
  auto processor = NewProcessor(store_.get());
  ApplyEvents(*processor, Dataset(kApp, "a"));
  Commit(*processor);

  app_deleted_status_ = Status::IOError("metadata store is down");
  Status failed = processor->Apply(DeletionPayload(kApp), next_offset_);
  EXPECT_EQ(failed.code(), StatusCode::kIOError) << failed.ToString();
  processor->Reset();
  // Nothing was deleted; the pipeline retries from its checkpoint.
  EXPECT_FALSE(DumpApp(*store_, kApp).at(store::Table::kEventsByTime).empty());
  EXPECT_EQ(Marker(*store_, kApp).status().code(), StatusCode::kNotFound);

  // NotFound (removed already, e.g. by the API) is success.
  app_deleted_status_ = Status::NotFound("no app");
  Apply(*processor, DeletionPayload(kApp));
  Commit(*processor);
  EXPECT_TRUE(Empty(DumpApp(*store_, kApp)));
  EXPECT_EQ(deleted_calls_, (std::vector<std::string>{kApp, kApp}));
}

TEST_F(AppDeletionTest, EventsOfAnUnknownAppAreSkipped) {
  unknown_.insert(kOther);
  auto processor = NewProcessor(store_.get());
  ApplyEvents(*processor, Dataset(kOther, "o"));
  Apply(*processor, ErasurePayload(kOther, "d1-o"));
  ApplyEvents(*processor, Dataset(kApp, "a"));
  Commit(*processor);
  EXPECT_TRUE(Empty(DumpApp(*store_, kOther)));
  EXPECT_FALSE(DumpApp(*store_, kApp).at(store::Table::kEventsByTime).empty());
  EXPECT_EQ(processor->stats().unknown_app, Dataset(kOther, "o").size());
  EXPECT_EQ(processor->stats().applied, Dataset(kApp, "a").size());
  EXPECT_TRUE(deleted_calls_.empty());
}

TEST(DeletedAppMarkerTest, RoundTripsAndRejectsDamage) {
  for (DeletedAppMarker marker : {DeletedAppMarker{0, false}, DeletedAppMarker{1ull << 40, true}}) {
    Result<DeletedAppMarker> decoded = DecodeDeletedAppMarker(EncodeDeletedAppMarker(marker));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->offset, marker.offset);
    EXPECT_EQ(decoded->log_redacted, marker.log_redacted);
  }
  std::string value = EncodeDeletedAppMarker({7, true});
  EXPECT_FALSE(DecodeDeletedAppMarker(value.substr(0, 8)).ok());
  EXPECT_FALSE(DecodeDeletedAppMarker(value + "x").ok());
  value[8] = 2;
  EXPECT_FALSE(DecodeDeletedAppMarker(value).ok());
}

// --- Pipeline and maintenance over a real segmented log ---

class AppDeletionLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = SegmentedLog::Open({.dir = dir_.File("log")});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    store_ = OpenStore("state");
  }

  std::unique_ptr<store::StateStore> OpenStore(const std::string& name) {
    auto opened = store::StateStore::Open({.dir = dir_.File(name)});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  std::unique_ptr<Pipeline> StartPipeline(store::StateStore* store) {
    Pipeline::Options options;
    options.log = log_.get();
    options.store = store;
    options.settings = [](std::string_view) -> Result<AppSettings> { return AppSettings(); };
    options.list_apps = []() -> Result<std::vector<std::pair<std::string, int64_t>>> {
      return std::vector<std::pair<std::string, int64_t>>{{kOther, 3650}};
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

// The app a record belongs to ("" when redacted or undecodable).
std::string AppOf(const std::string& payload) {
  switch (KindOfPayload(payload)) {
    case PayloadKind::kEvent: {
      EventView event;
      return DecodeEncoded(payload, &event).ok() ? std::string(event.app_id) : "";
    }
    case PayloadKind::kErasure: {
      ErasureRecord erasure;
      return DecodeErasure(payload, &erasure).ok() ? erasure.app_id : "";
    }
    case PayloadKind::kAppDeletion: {
      AppDeletionRecord deletion;
      return DecodeAppDeletion(payload, &deletion).ok() ? deletion.app_id : "";
    }
    case PayloadKind::kIndexCopy:  // not written to the embedded log
    case PayloadKind::kRedacted:
    case PayloadKind::kUnknown:
      break;
  }
  return "";
}

TEST_F(AppDeletionLogTest, MaintenanceRedactsEveryRecordOfTheAppOnce) {
  Append(Dataset(kApp, "a"));
  Append(Dataset(kOther, "o"));
  AppendPayloads({ErasurePayload(kApp, "d2-a")});
  AppendPayloads({DeletionPayload(kApp)});
  // Sent after the deletion (the key still worked for a moment).
  Append(Dataset(kApp, "late"));

  auto pipeline = StartPipeline(store_.get());
  ASSERT_NE(pipeline, nullptr);
  ASSERT_TRUE(pipeline->WaitForOffset(log_->DurableEndOffset(), 30s));
  EXPECT_EQ(pipeline->stats().unknown_app, Dataset(kApp, "late").size());
  EXPECT_EQ(pipeline->stats().app_deletions, 1u);
  EXPECT_TRUE(Empty(DumpApp(*store_, kApp)));
  const std::map<store::Table, Rows> other = DumpApp(*store_, kOther);
  const std::map<uint64_t, std::string> before = ReadLog();

  Result<Pipeline::MaintenanceReport> report = pipeline->RunMaintenance(30s);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  // Both datasets of the app, its erasure record and its deletion record.
  EXPECT_EQ(report->records_redacted, 2 * Dataset(kApp, "x").size() + 2);
  EXPECT_EQ(report->app_deletions_completed, 1u);
  const std::map<uint64_t, std::string> after = ReadLog();
  ASSERT_EQ(after.size(), before.size());
  size_t redacted = 0;
  for (const auto& [offset, payload] : before) {
    const std::string& now = after.at(offset);
    if (AppOf(payload) == kApp) {
      EXPECT_EQ(KindOfPayload(now), PayloadKind::kRedacted) << "record at " << offset;
      ++redacted;
    } else {
      EXPECT_EQ(now, payload) << "record at " << offset << " of another app changed";
    }
  }
  EXPECT_EQ(redacted, report->records_redacted);
  Result<DeletedAppMarker> marker = [&]() -> Result<DeletedAppMarker> {
    std::string value;
    UM_ASSIGN_OR_RETURN(bool found, store_->Get(store::Table::kMeta, DeletedAppKey(kApp), &value));
    if (!found) return Status::NotFound("no marker");
    return DecodeDeletedAppMarker(value);
  }();
  ASSERT_TRUE(marker.ok()) << marker.status().ToString();
  EXPECT_TRUE(marker->log_redacted);

  // A second run has nothing left to do.
  Result<Pipeline::MaintenanceReport> second = pipeline->RunMaintenance(30s);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->records_redacted, 0u);
  EXPECT_EQ(second->app_deletions_completed, 0u);
  EXPECT_EQ(ReadLog(), after);

  // A stray event of the app that arrives later still goes at the next run.
  Append({ForApp(MakeEvent("o-stray", "open", kT0, "d1-a"), kApp)});
  ASSERT_TRUE(pipeline->WaitForOffset(log_->DurableEndOffset(), 30s));
  pipeline->Stop();
  EXPECT_TRUE(pipeline->health().ok()) << pipeline->health().ToString();
  EXPECT_TRUE(Empty(DumpApp(*store_, kApp)));

  // The state rebuilt from the redacted log (it no longer holds the
  // deletion record): the app's stray event is skipped as unknown once the
  // app is gone from the metadata store.
  auto rebuilt_store = OpenStore("rebuilt");
  ASSERT_NE(rebuilt_store, nullptr);
  {
    Pipeline::Options options;
    options.log = log_.get();
    options.store = rebuilt_store.get();
    options.settings = [](std::string_view app) -> Result<AppSettings> {
      if (app == kApp) return Status::NotFound("deleted");
      return AppSettings();
    };
    options.now_ms = [] { return kT0 + 12 * kHour; };
    auto rebuilt = Pipeline::Start(std::move(options));
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
    ASSERT_TRUE((*rebuilt)->WaitForOffset(log_->DurableEndOffset(), 30s));
    EXPECT_EQ((*rebuilt)->stats().unknown_app, 1u);
    (*rebuilt)->Stop();
  }
  EXPECT_TRUE(Empty(DumpApp(*rebuilt_store, kApp)));
  EXPECT_EQ(DumpApp(*rebuilt_store, kOther), other);
}

}  // namespace
}  // namespace unmogrowp
