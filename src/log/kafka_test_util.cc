#include "log/kafka_test_util.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace unmogrowp::testing {

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

namespace {

std::unique_ptr<KafkaMockCluster>& SharedCluster() {
  static std::unique_ptr<KafkaMockCluster> cluster;
  return cluster;
}

// Destroys the shared cluster after the last test, before exit (and before
// leak checkers look).
class MockClusterEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { SharedCluster().reset(); }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new MockClusterEnvironment);

}  // namespace

KafkaMockCluster& MockCluster() {
  std::unique_ptr<KafkaMockCluster>& cluster = SharedCluster();
  if (!cluster) {
    KafkaMockCluster::Options options;
    options.topic.clear();
    Result<std::unique_ptr<KafkaMockCluster>> started = KafkaMockCluster::Start(options);
    if (!started.ok()) {
      ADD_FAILURE() << started.status().ToString();
      std::abort();
    }
    cluster = std::move(*started);
  }
  return *cluster;
}

KafkaOptions NewTopic(int32_t partitions) {
  static int counter = 0;
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name =
      std::string(test->test_suite_name()) + "." + test->name() + "." + std::to_string(++counter);
  KafkaOptions options;
  options.brokers = MockCluster().bootstrap_servers();
  options.topic = name;
  options.partitions = partitions;
  options.group = name + ".group";
  options.properties = {{"reconnect.backoff.ms", "10"}, {"reconnect.backoff.max.ms", "100"}};
  Status created = MockCluster().CreateTopic(name, partitions);
  EXPECT_TRUE(created.ok()) << created.ToString();
  return options;
}

BrokerDown::BrokerDown(int32_t broker_id) : broker_id_(broker_id) {
  Status status = MockCluster().SetBrokerDown(broker_id);
  EXPECT_TRUE(status.ok()) << status.ToString();
  down_ = status.ok();
}

BrokerDown::~BrokerDown() { Up(); }

void BrokerDown::Up() {
  if (!down_) return;
  Status status = MockCluster().SetBrokerUp(broker_id_);
  EXPECT_TRUE(status.ok()) << status.ToString();
  down_ = false;
}

EventLog::AppendCallback AppendProbe::Callback() {
  return [this](const Status& status, uint64_t) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++calls_;
      status_ = status;
    }
    cv_.notify_all();
  };
}

std::optional<Status> AppendProbe::Wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, timeout, [this] { return calls_ > 0; })) return std::nullopt;
  return status_;
}

bool AppendProbe::called() const { return calls() > 0; }

int AppendProbe::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

std::shared_ptr<AppendProbe> AppendAsync(EventLog& log, const std::vector<std::string>& payloads) {
  auto probe = std::make_shared<AppendProbe>();
  log.Append(MakeBatch(payloads),
             [probe, callback = probe->Callback()](const Status& status, uint64_t offset) {
               callback(status, offset);
             });
  return probe;
}

std::vector<ReadRecord> ReadRecords(EventLog& log, uint64_t offset, size_t count) {
  std::vector<ReadRecord> records;
  Result<std::unique_ptr<LogReader>> reader = log.NewReader(offset);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return records;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  LogRecord record;
  while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
    Result<bool> got = (*reader)->Next(&record);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok()) return records;
    if (*got) {
      records.push_back(ReadRecord{record.offset, record.next_offset, std::string(record.payload)});
    }
  }
  EXPECT_EQ(records.size(), count) << "records read before the deadline";
  // Caught up: nothing more, even after the partition's end is reported.
  for (int i = 0; i < 3; ++i) {
    Result<bool> more = (*reader)->Next(&record);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    EXPECT_FALSE(more.ok() && *more) << "unexpected record at offset " << record.offset;
  }
  return records;
}

}  // namespace unmogrowp::testing
