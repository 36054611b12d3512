#include "log/kafka_event_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "log/kafka_partition_log.h"
#include "log/kafka_test_util.h"

namespace unmogrowp {
namespace {

using testing::AppendAsync;
using testing::BrokerDown;
using ::testing::HasSubstr;
using testing::MockCluster;
using testing::NewTopic;
using testing::Payloads;
using testing::ReadRecords;
using testing::WaitUntil;

// Every record to partition 0 (whose leader the tests choose).
void ToPartitionZero(std::string_view, int32_t, std::vector<KafkaRoute>* out) {
  out->push_back(KafkaRoute{0, {}, {}});
}

std::unique_ptr<KafkaEventLog> OpenLog(KafkaEventLog::Options options) {
  Result<std::unique_ptr<KafkaEventLog>> log = KafkaEventLog::Open(std::move(options));
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

TEST(KafkaEventLogTest, OpenNeedsAnExistingTopicAndReadsItsPartitionCount) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic(6);
  options.kafka.topic = "missing";
  Result<std::unique_ptr<KafkaEventLog>> missing = KafkaEventLog::Open(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("'missing'"));

  options.kafka = NewTopic(6);
  options.kafka.partitions = 4;  // only for creating topics; the broker says 6
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->partitions(), 6);
  EXPECT_TRUE(log->Health().ok());
  EXPECT_EQ(log->DurableEndOffset(), 0u);
  EXPECT_EQ(log->NewReader(0).status().code(), StatusCode::kFailedPrecondition);
}

TEST(KafkaEventLogTest, DefaultRouteIsAStableHashOfThePayload) {
  std::set<int32_t> used;
  for (int i = 0; i < 200; ++i) {
    std::string payload = "event-" + std::to_string(i);
    std::vector<KafkaRoute> first;
    std::vector<KafkaRoute> second;
    RouteByPayloadHash(payload, 4, &first);
    RouteByPayloadHash(payload, 4, &second);
    ASSERT_EQ(first.size(), 1u);
    ASSERT_EQ(second.size(), 1u);
    EXPECT_EQ(first[0].partition, second[0].partition);
    EXPECT_GE(first[0].partition, 0);
    EXPECT_LT(first[0].partition, 4);
    EXPECT_TRUE(first[0].key.empty());
    EXPECT_TRUE(first[0].payload.empty());
    used.insert(first[0].partition);
  }
  EXPECT_EQ(used.size(), 4u);
  // The Java client's murmur2: a fixed value, not this build's std::hash.
  std::vector<KafkaRoute> known;
  RouteByPayloadHash("kafka", 1000, &known);
  EXPECT_EQ(known[0].partition,
            rd_kafka_msg_partitioner_murmur2(nullptr, "kafka", 5, 1000, nullptr, nullptr));
}

TEST(KafkaEventLogTest, DefaultRouteWritesEachRecordOnceToItsHashPartition) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  std::vector<std::string> payloads = testing::MakePayloads("e", 40, 30);
  std::optional<Status> status = AppendAsync(*log, payloads)->Wait();
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(status->ok()) << status->ToString();
  EXPECT_EQ(log->counters().delivered, 40u);
  EXPECT_EQ(log->counters().batches_acked, 1u);

  for (int32_t partition = 0; partition < 4; ++partition) {
    std::vector<std::string> expected;
    for (const std::string& payload : payloads) {
      std::vector<KafkaRoute> route;
      RouteByPayloadHash(payload, 4, &route);
      if (route[0].partition == partition) expected.push_back(payload);
    }
    std::unique_ptr<KafkaPartitionLog> reader = OpenPartition(options.kafka, partition);
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(Payloads(ReadRecords(*reader, 0, expected.size())), expected)
        << "partition " << partition;
  }
}

// One record may go to several partitions, with its own bytes or others.
TEST(KafkaEventLogTest, ARecordRoutedToSeveralPartitionsLandsInEach) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  options.route = [](std::string_view payload, int32_t partitions, std::vector<KafkaRoute>* out) {
    for (int32_t p = 0; p < partitions; ++p) {
      out->push_back(KafkaRoute{p, "key", p == 3 ? "copy:" + std::string(payload) : ""});
    }
  };
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  std::optional<Status> status = AppendAsync(*log, {"a", "b", "c"})->Wait();
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(status->ok()) << status->ToString();
  EXPECT_EQ(log->counters().delivered, 12u);
  for (int32_t partition = 0; partition < 4; ++partition) {
    std::unique_ptr<KafkaPartitionLog> reader = OpenPartition(options.kafka, partition);
    ASSERT_NE(reader, nullptr);
    std::vector<std::string> expected = {"a", "b", "c"};
    if (partition == 3) expected = {"copy:a", "copy:b", "copy:c"};
    EXPECT_EQ(Payloads(ReadRecords(*reader, 0, 3)), expected) << "partition " << partition;
  }
}

TEST(KafkaEventLogTest, ARouteOutsideTheTopicFailsTheBatch) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  options.route = [](std::string_view, int32_t partitions, std::vector<KafkaRoute>* out) {
    out->push_back(KafkaRoute{partitions, {}, {}});
  };
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  std::optional<Status> status = AppendAsync(*log, {"a"})->Wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status->message(), HasSubstr("partition 4"));
}

TEST(KafkaEventLogTest, AnEmptyBatchIsAcknowledged) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  std::optional<Status> status = AppendAsync(*log, {})->Wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->ok()) << status->ToString();
}

// With the partition's leader down the batch is not acknowledged; it is once
// the leader is back, and only then.
TEST(KafkaEventLogTest, DoneWaitsForTheBrokersAcknowledgement) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  ASSERT_TRUE(MockCluster().SetPartitionLeader(options.kafka.topic, 0, 1).ok());
  options.route = &ToPartitionZero;
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);

  BrokerDown down(1);
  uint64_t errors_before = log->counters().broker_errors;
  auto probe = AppendAsync(*log, {"x", "y"});
  // The producer has tried the leader (and failed) since the append.
  ASSERT_TRUE(WaitUntil([&] { return log->counters().broker_errors >= errors_before + 2; }));
  EXPECT_FALSE(probe->called());
  EXPECT_EQ(log->counters().delivered, 0u);

  std::atomic<bool> up{false};
  down.Up();
  up = true;
  std::optional<Status> status = probe->Wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->ok()) << status->ToString();
  EXPECT_TRUE(up);
  EXPECT_EQ(log->counters().delivered, 2u);
  std::unique_ptr<KafkaPartitionLog> reader = OpenPartition(options.kafka, 0);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(Payloads(ReadRecords(*reader, 0, 2)), (std::vector<std::string>{"x", "y"}));
}

// Undelivered data is never reported OK: past message.timeout.ms the batch
// fails with Unavailable and librdkafka's reason.
TEST(KafkaEventLogTest, UndeliveredBatchFailsAfterTheMessageTimeout) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  ASSERT_TRUE(MockCluster().SetPartitionLeader(options.kafka.topic, 0, 1).ok());
  options.route = &ToPartitionZero;
  options.message_timeout = std::chrono::milliseconds(300);
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  BrokerDown down(1);
  auto probe = AppendAsync(*log, {"x", "y", "z"});
  std::optional<Status> status = probe->Wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kUnavailable);
  EXPECT_THAT(status->message(), HasSubstr("timed out"));
  EXPECT_EQ(log->counters().delivered, 0u);
  EXPECT_EQ(log->counters().failed, 3u);
  EXPECT_EQ(log->counters().batches_failed, 1u);
  EXPECT_TRUE(log->Health().ok());  // an outage is not fatal
  EXPECT_TRUE(log->Close().ok());
  EXPECT_EQ(probe->calls(), 1);
}

// A full producer queue refuses a batch at once, even while the broker is
// down, without waiting for anything.
TEST(KafkaEventLogTest, AFullQueueFailsFastWithResourceExhausted) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  ASSERT_TRUE(MockCluster().SetPartitionLeader(options.kafka.topic, 0, 1).ok());
  options.route = &ToPartitionZero;
  options.max_queued_messages = 4;
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  BrokerDown down(1);

  auto filling = AppendAsync(*log, {"a", "b", "c", "d"});
  auto refused = AppendAsync(*log, {"e"});
  std::optional<Status> status = refused->Wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(log->counters().queue_full, 1u);
  EXPECT_FALSE(filling->called());

  down.Up();
  std::optional<Status> filled = filling->Wait();
  ASSERT_TRUE(filled.has_value());
  EXPECT_TRUE(filled->ok()) << filled->ToString();
}

// A batch the queue takes only partly is failed, but only after the part
// that was queued has been reported: nothing of it is left in flight.
TEST(KafkaEventLogTest, APartlyQueuedBatchFailsAfterItsQueuedPartIsReported) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  ASSERT_TRUE(MockCluster().SetPartitionLeader(options.kafka.topic, 0, 1).ok());
  options.route = &ToPartitionZero;
  options.max_queued_messages = 4;
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  BrokerDown down(1);

  uint64_t errors_before = log->counters().broker_errors;
  auto probe = AppendAsync(*log, testing::MakePayloads("p", 10, 8));
  ASSERT_TRUE(WaitUntil([&] { return log->counters().queue_full == 1; }));
  ASSERT_TRUE(WaitUntil([&] { return log->counters().broker_errors >= errors_before + 2; }));
  EXPECT_FALSE(probe->called());  // 4 messages still await their reports

  down.Up();
  std::optional<Status> status = probe->Wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(log->counters().delivered, 4u);  // all reported before done ran
  EXPECT_TRUE(log->Close().ok());
  EXPECT_EQ(log->counters().delivered, 4u);
  EXPECT_EQ(probe->calls(), 1);
}

TEST(KafkaEventLogTest, CloseFailsWhatIsStillUnacknowledged) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  ASSERT_TRUE(MockCluster().SetPartitionLeader(options.kafka.topic, 0, 1).ok());
  options.route = &ToPartitionZero;
  options.close_timeout = std::chrono::milliseconds(100);
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  BrokerDown down(1);
  auto pending = AppendAsync(*log, {"a", "b"});
  EXPECT_TRUE(log->Close().ok());
  std::optional<Status> status = pending->Wait(std::chrono::milliseconds(0));
  ASSERT_TRUE(status.has_value()) << "Close returned before failing the append";
  EXPECT_EQ(status->code(), StatusCode::kUnavailable);
  EXPECT_EQ(log->Health().code(), StatusCode::kUnavailable);

  auto late = AppendAsync(*log, {"c"});
  std::optional<Status> refused = late->Wait();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code(), StatusCode::kUnavailable);
  EXPECT_EQ(pending->calls(), 1);
}

TEST(KafkaEventLogTest, AFatalProducerErrorIsSticky) {
  KafkaEventLog::Options options;
  options.kafka = NewTopic();
  std::unique_ptr<KafkaEventLog> log = OpenLog(options);
  ASSERT_NE(log, nullptr);
  log->InjectFatalErrorForTesting();
  ASSERT_TRUE(WaitUntil([&] { return !log->Health().ok(); }));
  EXPECT_EQ(log->Health().code(), StatusCode::kUnavailable);
  EXPECT_THAT(log->Health().message(), HasSubstr("fatal"));
  std::optional<Status> status = AppendAsync(*log, {"a"})->Wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kUnavailable);
  EXPECT_EQ(log->Close().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace unmogrowp
