#include "pipeline/event_processor.h"

#include <gtest/gtest.h>

#include "attribution/install_match.h"
#include "core/scoped_temp_dir_for_test.h"
#include "event/log_payload.h"
#include "pipeline/pipeline_test_util.h"

namespace unmogrowp {
namespace {

using store::RollupCounters;
using namespace testing_util;

class EventProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenStore(); }

  void OpenStore() {
    processor_.reset();
    store_.reset();
    auto opened = store::StateStore::Open({.dir = dir_.File("state")});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    processor_ = std::make_unique<EventProcessor>(
        store_.get(), [this](std::string_view) -> Result<AppSettings> { return settings_; });
  }

  // Applies `e` as the next log record (offsets grow by 100 per record).
  void Apply(const Event& e) {
    Status s = processor_->Apply(Encode(e), next_offset_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    next_offset_ += 100;
  }
  void Commit() { ASSERT_TRUE(processor_->Commit(next_offset_).ok()); }

  Event Click(std::string id, int64_t ts, std::string device, std::string source = "google",
              std::string campaign = "summer") {
    Event e = MakeEvent(std::move(id), "click", ts, std::move(device));
    e.source = std::move(source);
    e.campaign = std::move(campaign);
    return e;
  }

  ScopedTempDir dir_;
  AppSettings settings_;
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<EventProcessor> processor_;
  uint64_t next_offset_ = 0;
};

TEST_F(EventProcessorTest, DeterministicInstallCreditsTheLatestClick) {
  Apply(Click("c1", kT0, "d1", "meta", "a"));
  Apply(Click("c2", kT0 + kHour, "d1", "google", "b"));
  Apply(MakeEvent("i1", "install", kT0 + 2 * kHour, "d1"));
  Commit();

  store::DeviceState d1 = Device(*store_, "d1");
  ASSERT_TRUE(d1.install.has_value());
  EXPECT_EQ(d1.install->match, static_cast<uint8_t>(MatchType::kDeterministic));
  EXPECT_EQ(d1.install->source, "google");
  EXPECT_EQ(d1.install->campaign, "b");
  EXPECT_EQ(d1.install->touch_event_id, "c2");
  EXPECT_EQ(d1.install->seq, 200u);
  auto totals = RollupTotals(*store_);
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals["google/b"], (RollupCounters{1, 0, 0, 0}));
  EXPECT_EQ(*store_->Checkpoint(), 300u);
}

TEST_F(EventProcessorTest, ProbabilisticMatchUsesTheIpUaIndexAcrossCommits) {
  Event click = Click("c1", kT0, "", "tiktok", "");  // no device id
  click.ip = "203.0.113.7";
  click.user_agent = "UA/1";
  Apply(click);
  Commit();  // the index entry must survive a commit
  Event install = MakeEvent("i1", "install", kT0 + 24 * kHour, "d9");  // exactly the window
  install.ip = "203.0.113.7";
  install.user_agent = "UA/1";
  Apply(install);
  Event other = MakeEvent("i2", "install", kT0 + 24 * kHour, "d10");
  other.ip = "203.0.113.7";
  other.user_agent = "UA/2";  // different user agent: organic
  Apply(other);
  Commit();

  EXPECT_EQ(Device(*store_, "d9").install->match, static_cast<uint8_t>(MatchType::kProbabilistic));
  EXPECT_EQ(Device(*store_, "d9").install->touch_event_id, "c1");
  EXPECT_EQ(Device(*store_, "d10").install->match, static_cast<uint8_t>(MatchType::kOrganic));
  auto totals = RollupTotals(*store_);
  EXPECT_EQ(totals["tiktok/"], (RollupCounters{0, 1, 0, 0}));
  EXPECT_EQ(totals["organic"], (RollupCounters{0, 0, 1, 0}));
}

TEST_F(EventProcessorTest, AnIndexCopyOfAClickOnlyFeedsProbabilisticMatching) {
  Event click = Click("c1", kT0, "d1", "tiktok", "spring");
  click.ip = "203.0.113.7";
  click.user_agent = "UA/1";
  std::string copy;
  AppendIndexCopy(Encode(click), &copy);
  ASSERT_TRUE(processor_->Apply(copy, next_offset_).ok());
  next_offset_ += 100;
  // A re-sent click arrives as a second copy: kept once.
  ASSERT_TRUE(processor_->Apply(copy, next_offset_).ok());
  next_offset_ += 100;
  Commit();
  EXPECT_EQ(processor_->stats().index_copies, 1u);
  EXPECT_EQ(processor_->stats().applied, 0u);

  Event install = MakeEvent("i1", "install", kT0 + kHour, "d9");
  install.ip = "203.0.113.7";
  install.user_agent = "UA/1";
  Apply(install);
  Commit();
  store::DeviceState d9 = Device(*store_, "d9");
  ASSERT_TRUE(d9.install.has_value());
  EXPECT_EQ(d9.install->match, static_cast<uint8_t>(MatchType::kProbabilistic));
  EXPECT_EQ(d9.install->touch_event_id, "c1");
  EXPECT_EQ(d9.install->source, "tiktok");
  // The copy is no event of this partition: no device state, no dedup entry,
  // so the click itself (were it routed here) would still count.
  EXPECT_TRUE(Dump(*store_, store::Table::kDevices, store::DeviceKey(kApp, "d1")).empty());
  Apply(click);
  Commit();
  EXPECT_EQ(processor_->stats().duplicates, 0u);
  EXPECT_EQ(processor_->stats().applied, 2u);

  std::string bad = copy;
  bad[1] = '\x7f';
  EXPECT_EQ(processor_->Apply(bad, next_offset_).code(), StatusCode::kCorruption);
}

TEST_F(EventProcessorTest, ProbabilisticOffMeansOrganicAndSettingsApplyFromTheNextBatch) {
  Event click = Click("c1", kT0, "");
  click.ip = "198.51.100.1";
  click.user_agent = "UA";
  Apply(click);
  Event first = MakeEvent("i1", "install", kT0 + kHour, "d1");
  first.ip = click.ip;
  first.user_agent = click.user_agent;
  settings_.probabilistic = false;  // settings were read at the batch's first event
  Apply(first);
  Commit();
  Event second = first;
  second.event_id = "i2";
  second.device_id = "d2";
  Apply(second);
  Commit();
  EXPECT_EQ(Device(*store_, "d1").install->match, static_cast<uint8_t>(MatchType::kProbabilistic));
  EXPECT_EQ(Device(*store_, "d2").install->match, static_cast<uint8_t>(MatchType::kOrganic));
}

TEST_F(EventProcessorTest, DuplicatesCountOnceWithinABatchAcrossCommitsAndReopen) {
  Apply(Click("c1", kT0, "d1"));
  Apply(MakeEvent("i1", "install", kT0 + kHour, "d1"));
  Apply(MakeEvent("i1", "install", kT0 + kHour, "d1"));  // same batch
  Commit();
  Apply(MakeEvent("i1", "install", kT0 + kHour, "d1"));  // next batch
  Commit();
  OpenStore();
  Event purchase = MakeEvent("p1", "purchase", kT0 + 2 * kHour, "d1");
  purchase.revenue = 4.5;
  Apply(purchase);
  Apply(purchase);
  Apply(MakeEvent("c1", "click", kT0, "d1"));  // a touchpoint re-sent after a restart
  Commit();

  EXPECT_EQ(processor_->stats().duplicates, 2u);  // this processor saw the last two
  EXPECT_EQ(Device(*store_, "d1").touches.size(), 1u);
  auto totals = RollupTotals(*store_);
  EXPECT_EQ(totals["google/summer"], (RollupCounters{1, 0, 0, 4.5}));
}

TEST_F(EventProcessorTest, ReinstallNeitherCountsNorChangesAttribution) {
  Apply(Click("c1", kT0, "d1", "google", "x"));
  Apply(MakeEvent("i1", "install", kT0 + kHour, "d1"));
  Apply(Click("c2", kT0 + 2 * kHour, "d1", "meta", "y"));
  Apply(MakeEvent("i2", "install", kT0 + 3 * kHour, "d1"));
  Commit();
  EXPECT_EQ(Device(*store_, "d1").install->source, "google");
  auto totals = RollupTotals(*store_);
  EXPECT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals["google/x"], (RollupCounters{1, 0, 0, 0}));
}

TEST_F(EventProcessorTest, RevenueBeforeTheInstallMovesToTheChannel) {
  // d1: 2.0 on day 0 before any install (organic until attributed), install
  // attributed to google on day 1, then 3.0 on day 1. d2: organic install,
  // 1.25. d3: never installs, 0.5.
  Apply(Click("c1", kT0, "d1"));
  Event early = MakeEvent("p0", "purchase", kT0 + kHour, "d1");
  early.revenue = 2.0;
  Apply(early);
  Commit();
  EXPECT_EQ(RollupTotals(*store_)["organic"], (RollupCounters{0, 0, 0, 2.0}));

  Apply(MakeEvent("i1", "install", kT0 + 25 * kHour, "d1"));
  Event later = MakeEvent("p1", "purchase", kT0 + 26 * kHour, "d1");
  later.revenue = 3.0;
  Apply(later);
  Apply(MakeEvent("i2", "install", kT0 + 26 * kHour, "d2"));
  Event organic = MakeEvent("p2", "purchase", kT0 + 27 * kHour, "d2");
  organic.revenue = 1.25;
  Apply(organic);
  Event stray = MakeEvent("p3", "purchase", kT0 + 28 * kHour, "d3");
  stray.revenue = 0.5;
  Apply(stray);
  Commit();

  auto totals = RollupTotals(*store_);
  EXPECT_EQ(totals["google/summer"], (RollupCounters{1, 0, 0, 5.0}));
  EXPECT_EQ(totals["organic"], (RollupCounters{0, 0, 1, 1.75}));
  EXPECT_TRUE(Device(*store_, "d1").pending_days.empty());
  EXPECT_EQ(Device(*store_, "d3").pending_days.size(), 1u);
}

TEST_F(EventProcessorTest, OldTouchesArePrunedToTheWidestWindow) {
  settings_.click_lookback_hours = 1;
  settings_.impression_lookback_hours = 1;
  settings_.mta_lookback_days = 1;  // widest: 24 h
  Apply(Click("old", kT0, "d1"));
  Apply(Click("edge", kT0 + kHour, "d1"));
  Apply(Click("new", kT0 + 25 * kHour, "d1"));  // "old" is 25 h older: dropped
  Commit();
  store::DeviceState d1 = Device(*store_, "d1");
  ASSERT_EQ(d1.touches.size(), 2u);
  EXPECT_EQ(d1.touches[0].event_id, "edge");  // exactly 24 h older: kept
}

TEST_F(EventProcessorTest, StoresEachDeviceEventOnceForTheDeviceTimeline) {
  Apply(Click("c1", kT0, "d1"));
  Apply(Click("c1", kT0, "d1"));
  Apply(Click("c2", kT0, ""));  // no device: not in any timeline
  Commit();
  int rows = 0;
  std::string prefix = store::DeviceEventsPrefix(kApp, "d1");
  ASSERT_TRUE(store_
                  ->Scan(store::Table::kDeviceEvents, prefix, store::PrefixEnd(prefix),
                         [&](std::string_view, std::string_view) { return ++rows, true; })
                  .ok());
  EXPECT_EQ(rows, 1);
}

using Paths = std::vector<std::vector<std::string>>;

TEST_F(EventProcessorTest, ConversionPathsAreMaterializedAndCutByThePreviousConversion) {
  Apply(Click("a", kT0, "d1", "A"));
  Apply(Click("b", kT0 + kHour, "d1", "B"));
  Apply(MakeEvent("i1", "install", kT0 + 2 * kHour, "d1"));
  Apply(MakeEvent("p1", "purchase", kT0 + 3 * kHour, "d1"));
  Apply(Click("c", kT0 + 4 * kHour, "d1", "C"));
  Apply(MakeEvent("p2", "purchase", kT0 + 5 * kHour, "d1"));
  Apply(MakeEvent("i2", "install", kT0 + 6 * kHour, "d1"));  // reinstall: not a conversion
  Commit();
  EXPECT_EQ(ConversionPaths(*store_, "install"), (Paths{{"A", "B"}}));
  // p2's path starts after p1: only C.
  EXPECT_EQ(ConversionPaths(*store_, "purchase"), (Paths{{"A", "B"}, {"C"}}));
}

TEST_F(EventProcessorTest, MtaLookbackIsInclusive) {
  settings_.mta_lookback_days = 1;
  Apply(Click("old", kT0, "d1", "OLD"));        // 24 h + 1 ms before: out
  Apply(Click("edge", kT0 + 1, "d1", "EDGE"));  // exactly 24 h before: in
  Apply(MakeEvent("i1", "install", kT0 + 1 + 24 * kHour, "d1"));
  Commit();
  EXPECT_EQ(ConversionPaths(*store_, "install"), (Paths{{"EDGE"}}));
}

TEST_F(EventProcessorTest, ATouchpointThatArrivesLateJoinsThePathItPrecedes) {
  // The install is processed first; the click with an earlier timestamp
  // comes in the next batch. ATTRIBUTION.md's paths go by event time.
  Apply(MakeEvent("i1", "install", kT0 + 2 * kHour, "d1"));
  Apply(MakeEvent("p1", "purchase", kT0 + 3 * kHour, "d1"));
  Commit();
  EXPECT_EQ(ConversionPaths(*store_, "install"), (Paths{{}}));
  Apply(Click("late", kT0 + kHour, "d1", "LATE"));
  // Same timestamp as the install but received after it: not before it.
  Apply(Click("tie", kT0 + 2 * kHour, "d1", "TIE"));
  Commit();
  EXPECT_EQ(ConversionPaths(*store_, "install"), (Paths{{"LATE"}}));
  EXPECT_EQ(ConversionPaths(*store_, "purchase"), (Paths{{"LATE", "TIE"}}));
  // The install itself stays as it was attributed in real time (organic).
  EXPECT_EQ(Device(*store_, "d1").install->match, static_cast<uint8_t>(MatchType::kOrganic));
}

TEST_F(EventProcessorTest, AConversionThatArrivesLateCutsTheNextOnesPath) {
  Apply(Click("a", kT0, "d1", "A"));
  Apply(Click("b", kT0 + 2 * kHour, "d1", "B"));
  Apply(MakeEvent("p2", "purchase", kT0 + 3 * kHour, "d1"));
  Commit();
  EXPECT_EQ(ConversionPaths(*store_, "purchase"), (Paths{{"A", "B"}}));
  Apply(MakeEvent("p1", "purchase", kT0 + kHour, "d1"));  // late, between A and B
  Commit();
  EXPECT_EQ(ConversionPaths(*store_, "purchase"), (Paths{{"A"}, {"B"}}));
  // p2 stays the last purchase: a later touch goes to no existing path.
  Apply(Click("c", kT0 + 4 * kHour, "d1", "C"));
  Apply(MakeEvent("p3", "purchase", kT0 + 5 * kHour, "d1"));
  Commit();
  EXPECT_EQ(ConversionPaths(*store_, "purchase"), (Paths{{"A"}, {"B"}, {"C"}}));
}

// The records of a device erased and then seen again, applied once in one
// batch and once a commit per record: the same state either way (events
// after the erasure must find the device gone, not its state from the store).
TEST_F(EventProcessorTest, EventsAfterAnErasureInTheSameBatchSeeTheDeviceGone) {
  Event click = Click("c1", kT0, "d1", "meta", "a");
  Event install = MakeEvent("i1", "install", kT0 + kHour, "d1");
  Event purchase = MakeEvent("p1", "purchase", kT0 + 2 * kHour, "d1");
  purchase.revenue = 3;
  Event again = MakeEvent("i2", "install", kT0 + 3 * kHour, "d1");
  Event later = MakeEvent("p2", "purchase", kT0 + 4 * kHour, "d1");
  later.revenue = 5;
  std::string erasure;
  AppendErasure(ErasureRecord{kApp, "d1", kT0}, &erasure);
  std::vector<std::string> records{Encode(click), Encode(install), Encode(purchase),
                                   erasure,       Encode(again),   Encode(later)};

  // One store per way of committing; returns the app's rows and keeps the store.
  std::vector<std::unique_ptr<ScopedTempDir>> dirs;
  std::vector<std::unique_ptr<store::StateStore>> stores;
  auto run = [&](bool commit_each) {
    dirs.push_back(std::make_unique<ScopedTempDir>());
    auto opened = store::StateStore::Open({.dir = dirs.back()->File("state")});
    EXPECT_TRUE(opened.ok());
    stores.push_back(std::move(*opened));
    EventProcessor processor(stores.back().get(),
                             [](std::string_view) -> Result<AppSettings> { return AppSettings(); });
    uint64_t offset = 0;
    for (const std::string& r : records) {
      Status s = processor.Apply(r, offset);
      EXPECT_TRUE(s.ok()) << s.ToString();
      offset += 100;
      if (commit_each) {
        EXPECT_TRUE(processor.Commit(offset).ok());
      }
    }
    EXPECT_TRUE(processor.Commit(offset).ok());
    std::map<store::Table, Rows> rows = DumpApp(*stores.back(), kApp);
    rows.erase(store::Table::kMeta);
    return rows;
  };
  std::map<store::Table, Rows> one_batch = run(false);
  std::map<store::Table, Rows> per_record = run(true);
  EXPECT_EQ(one_batch, per_record);
  // After the erasure the device starts afresh: its second install is its
  // first, organic (the click was erased).
  store::DeviceState d1 = Device(*stores[0], "d1");
  ASSERT_TRUE(d1.install.has_value());
  EXPECT_EQ(d1.install->match, static_cast<uint8_t>(MatchType::kOrganic));
  EXPECT_EQ(d1.install->ts_ms, kT0 + 3 * kHour);
}

TEST_F(EventProcessorTest, ACorruptPayloadIsAnErrorAndResetDropsTheBatch) {
  Apply(Click("c1", kT0, "d1"));
  Status s = processor_->Apply("garbage", 999);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  processor_->Reset();
  EXPECT_EQ(processor_->pending_events(), 0u);
  ASSERT_TRUE(processor_->Commit(100).ok());
  EXPECT_TRUE(Device(*store_, "d1").touches.empty());
}

}  // namespace
}  // namespace unmogrowp
