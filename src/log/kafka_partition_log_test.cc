#include "log/kafka_partition_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "log/kafka_event_log.h"
#include "log/kafka_test_util.h"

namespace unmogrowp {
namespace {

using testing::AppendAsync;
using ::testing::HasSubstr;
using testing::NewTopic;
using testing::ReadRecord;
using testing::ReadRecords;
using testing::WaitUntil;

// Payloads "dev<D>/<n>": keyed by the device "dev<D>", partition D % 4.
void RouteByDevice(std::string_view payload, int32_t partitions, std::vector<KafkaRoute>* out) {
  std::string_view device = payload.substr(0, payload.find('/'));
  int32_t number = std::stoi(std::string(device.substr(3)));
  out->push_back(KafkaRoute{number % partitions, std::string(device), {}});
}

std::unique_ptr<KafkaEventLog> OpenIngest(const KafkaOptions& kafka) {
  KafkaEventLog::Options options;
  options.kafka = kafka;
  options.route = &RouteByDevice;
  Result<std::unique_ptr<KafkaEventLog>> log = KafkaEventLog::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(*log) : nullptr;
}

std::unique_ptr<KafkaPartitionLog> OpenPartition(const KafkaOptions& kafka, int32_t partition) {
  KafkaPartitionLog::Options options;
  options.kafka = kafka;
  options.partition = partition;
  Result<std::unique_ptr<KafkaPartitionLog>> log = KafkaPartitionLog::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(*log) : nullptr;
}

void AppendOk(EventLog& log, const std::vector<std::string>& payloads) {
  std::optional<Status> status = AppendAsync(log, payloads)->Wait();
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(status->ok()) << status->ToString();
}

// Batches routed by key come back partition by partition, each in append
// order, with consecutive Kafka offsets; a reader can start mid-partition.
TEST(KafkaPartitionLogTest, ReadsEachPartitionInOrderFromAnyOffset) {
  KafkaOptions kafka = NewTopic();
  std::unique_ptr<KafkaEventLog> ingest = OpenIngest(kafka);
  ASSERT_NE(ingest, nullptr);
  std::map<int32_t, std::vector<std::string>> expected;
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<std::string> payloads;
    for (int device = 0; device < 8; ++device) {
      std::string payload = "dev" + std::to_string(device) + "/" + std::to_string(batch);
      payloads.push_back(payload);
      expected[device % 4].push_back(payload);
    }
    AppendOk(*ingest, payloads);
  }

  for (int32_t partition = 0; partition < 4; ++partition) {
    SCOPED_TRACE("partition " + std::to_string(partition));
    std::unique_ptr<KafkaPartitionLog> log = OpenPartition(kafka, partition);
    ASSERT_NE(log, nullptr);
    std::vector<ReadRecord> records = ReadRecords(*log, 0, 6);
    ASSERT_EQ(records.size(), 6u);
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(records[i].offset, i);
      EXPECT_EQ(records[i].next_offset, i + 1);
      EXPECT_EQ(records[i].payload, expected[partition][i]);
    }
    std::vector<ReadRecord> tail = ReadRecords(*log, 4, 2);
    ASSERT_EQ(tail.size(), 2u);
    EXPECT_EQ(tail[0].offset, 4u);
    EXPECT_EQ(tail[0].payload, expected[partition][4]);
    EXPECT_EQ(tail[1].payload, expected[partition][5]);
    EXPECT_TRUE(ReadRecords(*log, 6, 0).empty());  // at the end: caught up
  }
}

// A reader that caught up sees records appended later (tailing).
TEST(KafkaPartitionLogTest, ACaughtUpReaderSeesLaterAppends) {
  KafkaOptions kafka = NewTopic();
  std::unique_ptr<KafkaEventLog> ingest = OpenIngest(kafka);
  ASSERT_NE(ingest, nullptr);
  std::unique_ptr<KafkaPartitionLog> log = OpenPartition(kafka, 1);
  ASSERT_NE(log, nullptr);
  Result<std::unique_ptr<LogReader>> reader = log->NewReader(0);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  LogRecord record;
  Result<bool> empty = (*reader)->Next(&record);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_FALSE(*empty);

  AppendOk(*ingest, {"dev1/a", "dev5/b", "dev2/c"});
  std::vector<std::string> read;
  ASSERT_TRUE(WaitUntil([&] {
    Result<bool> got = (*reader)->Next(&record);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (got.ok() && *got) read.emplace_back(record.payload);
    return read.size() == 2;
  }));
  EXPECT_EQ(read, (std::vector<std::string>{"dev1/a", "dev5/b"}));
  EXPECT_EQ(record.offset, 1u);
}

TEST(KafkaPartitionLogTest, DurableEndOffsetFollowsAppends) {
  KafkaOptions kafka = NewTopic();
  std::unique_ptr<KafkaEventLog> ingest = OpenIngest(kafka);
  ASSERT_NE(ingest, nullptr);
  std::unique_ptr<KafkaPartitionLog> zero = OpenPartition(kafka, 0);
  std::unique_ptr<KafkaPartitionLog> two = OpenPartition(kafka, 2);
  ASSERT_NE(zero, nullptr);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(zero->DurableEndOffset(), 0u);
  EXPECT_TRUE(zero->Health().ok());

  AppendOk(*ingest, {"dev0/a", "dev4/b", "dev8/c", "dev2/d"});
  ASSERT_TRUE(WaitUntil([&] { return zero->DurableEndOffset() == 3; }));
  ASSERT_TRUE(WaitUntil([&] { return two->DurableEndOffset() == 1; }));
  AppendOk(*ingest, {"dev0/e"});
  ASSERT_TRUE(WaitUntil([&] { return zero->DurableEndOffset() == 4; }));
  EXPECT_EQ(two->DurableEndOffset(), 1u);
}

TEST(KafkaPartitionLogTest, ChecksThePartitionAndRefusesAppends) {
  KafkaOptions kafka = NewTopic();
  KafkaPartitionLog::Options options;
  options.kafka = kafka;
  options.partition = 4;
  Result<std::unique_ptr<KafkaPartitionLog>> missing = KafkaPartitionLog::Open(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("no partition 4"));

  options.kafka.topic = "nope";
  options.partition = 0;
  EXPECT_EQ(KafkaPartitionLog::Open(options).status().code(), StatusCode::kNotFound);

  std::unique_ptr<KafkaPartitionLog> log = OpenPartition(kafka, 3);
  ASSERT_NE(log, nullptr);
  std::optional<Status> status = AppendAsync(*log, {"x"})->Wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kFailedPrecondition);
}

// Starting past the partition's end means the checkpoint belongs to other
// data: an error, not a silent jump.
TEST(KafkaPartitionLogTest, AnOffsetPastTheEndIsAnError) {
  KafkaOptions kafka = NewTopic();
  std::unique_ptr<KafkaEventLog> ingest = OpenIngest(kafka);
  ASSERT_NE(ingest, nullptr);
  AppendOk(*ingest, {"dev0/a"});
  std::unique_ptr<KafkaPartitionLog> log = OpenPartition(kafka, 0);
  ASSERT_NE(log, nullptr);
  Result<std::unique_ptr<LogReader>> reader = log->NewReader(100);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  Status error;
  ASSERT_TRUE(WaitUntil([&] {
    LogRecord record;
    Result<bool> got = (*reader)->Next(&record);
    EXPECT_FALSE(got.ok() && *got);
    if (!got.ok()) error = got.status();
    return !got.ok();
  }));
  EXPECT_EQ(error.code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace unmogrowp
