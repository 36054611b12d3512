#include "log/segmented_log.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <future>
#include <map>

#include "log/log_test_util.h"
#include "log/record_format.h"
#include "log/segment_index.h"

namespace unmogrowp {
namespace {

using testing::AppendAndWait;
using testing::AppendResult;
using testing::MakeBatch;
using testing::MakePayloads;
using testing::Payloads;
using testing::ReadAll;
using testing::TempDir;

SegmentedLog::Options OptionsFor(const TempDir& tmp, uint64_t segment_bytes = 256 << 20) {
  SegmentedLog::Options options;
  options.dir = tmp.Sub("log");
  options.segment_bytes = segment_bytes;
  return options;
}

std::unique_ptr<SegmentedLog> OpenOrDie(const SegmentedLog::Options& options) {
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

uint64_t Framed(const std::vector<std::string>& payloads) {
  uint64_t bytes = 0;
  for (const std::string& p : payloads) bytes += log_format::FramedSize(p.size());
  return bytes;
}

TEST(SegmentedLogTest, FreshLogIsEmptyAndHealthy) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp));
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->Health().ok());
  EXPECT_EQ(log->DurableEndOffset(), 0u);
  EXPECT_EQ(log->SegmentBaseOffsets(), std::vector<uint64_t>{0});
  EXPECT_TRUE(ReadAll(*log).empty());
}

TEST(SegmentedLogTest, AppendReturnsByteOffsetsAndReadsBack) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp));
  std::vector<std::string> first = {"a", "bb", "ccc"};
  AppendResult r1 = AppendAndWait(*log, first);
  ASSERT_TRUE(r1.status.ok()) << r1.status.ToString();
  EXPECT_EQ(r1.first_offset, 0u);
  std::vector<std::string> second = {"dddd"};
  AppendResult r2 = AppendAndWait(*log, second);
  ASSERT_TRUE(r2.status.ok());
  EXPECT_EQ(r2.first_offset, Framed(first));
  EXPECT_EQ(log->DurableEndOffset(), Framed(first) + Framed(second));

  std::vector<testing::ReadRecord> records = ReadAll(*log);
  EXPECT_EQ(Payloads(records), (std::vector<std::string>{"a", "bb", "ccc", "dddd"}));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[1].offset, records[0].next_offset);
  EXPECT_EQ(records[3].offset, r2.first_offset);
  EXPECT_EQ(records[3].next_offset, log->DurableEndOffset());
}

TEST(SegmentedLogTest, RoundTripAcrossSeveralSegments) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp, /*segment_bytes=*/1000));
  std::vector<std::string> all;
  for (int group = 0; group < 20; ++group) {
    std::vector<std::string> payloads = MakePayloads("g" + std::to_string(group), 5, 50);
    ASSERT_TRUE(AppendAndWait(*log, payloads).status.ok());
    all.insert(all.end(), payloads.begin(), payloads.end());
  }
  std::vector<uint64_t> bases = log->SegmentBaseOffsets();
  EXPECT_GE(bases.size(), 5u);
  std::vector<testing::ReadRecord> records = ReadAll(*log);
  EXPECT_EQ(Payloads(records), all);
  // Segment files are named by the offset of their first record.
  for (uint64_t base : bases) {
    bool found = base == log->DurableEndOffset();
    for (const auto& r : records) found = found || r.offset == base;
    EXPECT_TRUE(found) << "segment base " << base << " is not a record offset";
  }
  // A reader can start at any record, including the first of each segment.
  for (size_t i = 0; i < records.size(); i += 7) {
    std::vector<testing::ReadRecord> suffix = ReadAll(*log, records[i].offset);
    ASSERT_EQ(suffix.size(), records.size() - i);
    EXPECT_EQ(suffix.front().payload, all[i]);
  }
}

TEST(SegmentedLogTest, ReopenContinuesAtTheEnd) {
  TempDir tmp;
  SegmentedLog::Options options = OptionsFor(tmp, /*segment_bytes=*/600);
  std::vector<std::string> all;
  uint64_t end = 0;
  std::vector<uint64_t> bases;
  {
    std::unique_ptr<SegmentedLog> log = OpenOrDie(options);
    for (int group = 0; group < 6; ++group) {
      std::vector<std::string> payloads = MakePayloads("before" + std::to_string(group), 4, 40);
      ASSERT_TRUE(AppendAndWait(*log, payloads).status.ok());
      all.insert(all.end(), payloads.begin(), payloads.end());
    }
    ASSERT_TRUE(log->Close().ok());
    end = log->DurableEndOffset();
    bases = log->SegmentBaseOffsets();
  }
  std::unique_ptr<SegmentedLog> log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->DurableEndOffset(), end);
  EXPECT_EQ(log->SegmentBaseOffsets(), bases);
  std::vector<std::string> more = MakePayloads("after", 3, 40);
  AppendResult r = AppendAndWait(*log, more);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.first_offset, end);
  all.insert(all.end(), more.begin(), more.end());
  EXPECT_EQ(Payloads(ReadAll(*log)), all);
}

TEST(SegmentedLogTest, EmptyBatchSucceedsAtTheEnd) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp));
  ASSERT_TRUE(AppendAndWait(*log, {"x"}).status.ok());
  AppendResult r = AppendAndWait(*log, {});
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.first_offset, log->DurableEndOffset());
  EXPECT_EQ(ReadAll(*log).size(), 1u);
}

TEST(SegmentedLogTest, EmptyPayloadRoundTrips) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp));
  ASSERT_TRUE(AppendAndWait(*log, {"", "y", ""}).status.ok());
  EXPECT_EQ(Payloads(ReadAll(*log)), (std::vector<std::string>{"", "y", ""}));
}

TEST(SegmentedLogTest, MalformedBatchIsInvalidArgument) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp));
  EncodedBatch batch;
  batch.bytes = "abc";
  batch.ends = {2, 10};  // past the bytes
  std::promise<Status> done;
  log->Append(std::move(batch), [&done](const Status& s, uint64_t) { done.set_value(s); });
  EXPECT_EQ(done.get_future().get().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(log->Health().ok());
}

TEST(SegmentedLogTest, SecondOpenOfSameDirectoryFails) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp));
  Result<std::unique_ptr<SegmentedLog>> second = SegmentedLog::Open(OptionsFor(tmp));
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition) << second.status().ToString();
}

TEST(SegmentedLogTest, InvalidOptions) {
  TempDir tmp;
  SegmentedLog::Options options = OptionsFor(tmp);
  options.dir.clear();
  EXPECT_EQ(SegmentedLog::Open(options).status().code(), StatusCode::kInvalidArgument);
  options = OptionsFor(tmp);
  options.segment_bytes = 0;
  EXPECT_EQ(SegmentedLog::Open(options).status().code(), StatusCode::kInvalidArgument);
  options = OptionsFor(tmp);
  options.max_pending_bytes = 0;
  EXPECT_EQ(SegmentedLog::Open(options).status().code(), StatusCode::kInvalidArgument);
}

TEST(SegmentedLogTest, CloseDrainsEveryPendingAppend) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp));
  constexpr int kAppends = 200;
  std::atomic<int> ok{0};
  std::atomic<int> calls{0};
  for (int i = 0; i < kAppends; ++i) {
    log->Append(MakeBatch(MakePayloads("c" + std::to_string(i), 3, 30)),
                [&](const Status& s, uint64_t) {
                  calls.fetch_add(1);
                  if (s.ok()) ok.fetch_add(1);
                });
  }
  ASSERT_TRUE(log->Close().ok());
  EXPECT_EQ(calls.load(), kAppends);
  EXPECT_EQ(ok.load(), kAppends);
  EXPECT_EQ(ReadAll(*log).size(), 3u * kAppends);

  // After Close: refused, callback still called exactly once.
  AppendResult after = AppendAndWait(*log, {"late"});
  EXPECT_EQ(after.status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(log->Close().ok());  // idempotent
}

TEST(SegmentedLogTest, RegistersAndUpdatesMetrics) {
  TempDir tmp;
  prometheus::Registry registry;
  SegmentedLog::Options options = OptionsFor(tmp);
  options.metrics = &registry;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(options);
  ASSERT_TRUE(AppendAndWait(*log, {"a", "b"}).status.ok());
  ASSERT_TRUE(AppendAndWait(*log, {"c"}).status.ok());
  std::map<std::string, double> values;
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    ASSERT_EQ(family.metric.size(), 1u) << family.name;
    const prometheus::ClientMetric& m = family.metric[0];
    switch (family.type) {
      case prometheus::MetricType::Counter:
        values[family.name] = m.counter.value;
        break;
      case prometheus::MetricType::Gauge:
        values[family.name] = m.gauge.value;
        break;
      case prometheus::MetricType::Histogram:
        values[family.name] = static_cast<double>(m.histogram.sample_count);
        break;
      default:
        break;
    }
  }
  EXPECT_EQ(values["unmogrowp_log_records_total"], 3);
  EXPECT_EQ(values["unmogrowp_log_bytes_written_total"], static_cast<double>(3 * 9));
  EXPECT_EQ(values["unmogrowp_log_append_seconds"], 2);
  EXPECT_EQ(values["unmogrowp_log_fsync_seconds"], 2);
  EXPECT_EQ(values["unmogrowp_log_pending_bytes"], 0);
}

}  // namespace
}  // namespace unmogrowp
