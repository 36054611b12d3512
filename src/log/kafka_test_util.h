#pragma once

// Helpers shared by the Kafka log's tests: a mock cluster per test, waiting
// on a condition with a deadline, an Append whose callback can be awaited,
// and reading a partition back. Test-only.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "log/event_log.h"
#include "log/kafka_mock_cluster.h"
#include "log/kafka_options.h"
#include "log/log_test_util.h"

namespace unmogrowp::testing {

// Polls `done` every millisecond until it holds or `timeout` passes; returns
// its last value.
bool WaitUntil(const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The process's mock cluster (3 brokers): started on first use, destroyed
// after the last test (destroying one takes librdkafka ~1 s, so tests share
// it and each works on topics of its own).
KafkaMockCluster& MockCluster();

// A new topic on MockCluster(), named after the running test, and options
// for clients of it: its own consumer group, and quick reconnects after a
// broker comes back (the default back-off grows to 10 s).
KafkaOptions NewTopic(int32_t partitions = 4);

// Takes a broker of MockCluster() down until Up() or destruction, so that a
// failed test leaves the shared cluster whole.
class BrokerDown {
 public:
  explicit BrokerDown(int32_t broker_id);
  ~BrokerDown();
  BrokerDown(const BrokerDown&) = delete;
  BrokerDown& operator=(const BrokerDown&) = delete;
  void Up();

 private:
  int32_t broker_id_;
  bool down_ = false;
};

// The outcome of one Append, filled by its callback.
class AppendProbe {
 public:
  EventLog::AppendCallback Callback();
  // Waits for the callback; nullopt after `timeout`.
  std::optional<Status> Wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool called() const;
  int calls() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  Status status_;
};

// Appends `payloads` as one batch; the returned probe sees its callback.
std::shared_ptr<AppendProbe> AppendAsync(EventLog& log, const std::vector<std::string>& payloads);

// Reads from `offset` until `count` records arrived (or 10 s passed), then
// checks that the reader is caught up. Fails the test on error.
std::vector<ReadRecord> ReadRecords(EventLog& log, uint64_t offset, size_t count);

}  // namespace unmogrowp::testing
