#include "pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <future>

#include "core/scoped_temp_dir_for_test.h"
#include "log/segmented_log.h"
#include "pipeline/pipeline_test_util.h"

namespace unmogrowp {
namespace {

using namespace testing_util;
using namespace std::chrono_literals;

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = SegmentedLog::Open({.dir = dir_.File("log")});
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    OpenStore();
  }
  void OpenStore() {
    store_.reset();
    auto store = store::StateStore::Open({.dir = dir_.File("state")});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  std::unique_ptr<Pipeline> StartPipeline(size_t max_batch = 4096) {
    Pipeline::Options options;
    options.log = log_.get();
    options.store = store_.get();
    options.settings = [](std::string_view) -> Result<AppSettings> { return AppSettings(); };
    options.max_batch_events = max_batch;
    auto started = Pipeline::Start(std::move(options));
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    return started.ok() ? std::move(*started) : nullptr;
  }
  // Appends the events as one batch and waits for durability.
  void Append(const std::vector<Event>& events) {
    EncodedBatch batch;
    for (const Event& e : events) {
      AppendEncoded(AsView(e), &batch.bytes);
      batch.EndEvent();
    }
    std::promise<Status> done;
    log_->Append(std::move(batch), [&](const Status& s, uint64_t) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok());
  }

  ScopedTempDir dir_;
  std::unique_ptr<SegmentedLog> log_;
  std::unique_ptr<store::StateStore> store_;
};

std::vector<Event> Journey(int device) {
  std::string d = "dev" + std::to_string(device);
  Event click = MakeEvent("c" + d, "click", kT0 + device, d);
  click.source = device % 2 ? "google" : "meta";
  Event install = MakeEvent("i" + d, "install", kT0 + kHour + device, d);
  Event purchase = MakeEvent("p" + d, "purchase", kT0 + 2 * kHour + device, d);
  purchase.revenue = 1.5;
  return {click, install, purchase};
}

TEST_F(PipelineTest, ProcessesTheLogInSmallBatchesAndTails) {
  for (int i = 0; i < 10; ++i) Append(Journey(i));
  auto pipeline = StartPipeline(/*max_batch=*/7);  // 30 records: 5 batches
  ASSERT_TRUE(pipeline->WaitForOffset(log_->DurableEndOffset(), 30s));
  EXPECT_EQ(pipeline->stats().applied, 30u);

  // Records appended while it runs are picked up (Notify, or the poll).
  for (int i = 10; i < 12; ++i) Append(Journey(i));
  pipeline->Notify();
  ASSERT_TRUE(pipeline->WaitForOffset(log_->DurableEndOffset(), 30s));
  EXPECT_TRUE(pipeline->health().ok());
  pipeline->Stop();

  auto totals = RollupTotals(*store_);
  EXPECT_EQ(totals["google/"], (store::RollupCounters{6, 0, 0, 9.0}));
  EXPECT_EQ(totals["meta/"], (store::RollupCounters{6, 0, 0, 9.0}));
  EXPECT_EQ(*store_->Checkpoint(), log_->DurableEndOffset());
}

TEST_F(PipelineTest, RestartResumesFromTheCheckpointAndResentEventsCountOnce) {
  for (int i = 0; i < 4; ++i) Append(Journey(i));
  {
    auto pipeline = StartPipeline();
    ASSERT_TRUE(pipeline->WaitForOffset(log_->DurableEndOffset(), 30s));
  }
  OpenStore();
  // A client retried: the same events again, plus new ones.
  for (int i = 0; i < 6; ++i) Append(Journey(i));
  auto pipeline = StartPipeline();
  ASSERT_TRUE(pipeline->WaitForOffset(log_->DurableEndOffset(), 30s));
  EXPECT_EQ(pipeline->stats().applied, 6u);      // dev4, dev5: 2 journeys
  EXPECT_EQ(pipeline->stats().duplicates, 12u);  // dev0..dev3 again
  pipeline->Stop();
  auto totals = RollupTotals(*store_);
  EXPECT_EQ(totals["google/"].deterministic + totals["meta/"].deterministic, 6);
}

TEST_F(PipelineTest, RefusesAStateAheadOfTheLog) {
  auto batch = store_->NewWriteBatch();
  batch.SetCheckpoint(1'000'000);
  ASSERT_TRUE(store_->Commit(&batch).ok());
  Pipeline::Options options;
  options.log = log_.get();
  options.store = store_.get();
  options.settings = [](std::string_view) -> Result<AppSettings> { return AppSettings(); };
  auto started = Pipeline::Start(std::move(options));
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(started.status().message().find("past the end of the event log"), std::string::npos);
}

}  // namespace
}  // namespace unmogrowp
