#pragma once

// KafkaGroupMember: this process's membership in the consumer group whose
// members split the event topic's partitions between them -- which pipeline
// worker owns which partitions. It only coordinates: it fetches no messages
// (each owned partition is read by the owner through a KafkaPartitionLog from
// the owner's own checkpoint) and commits no offsets.
//
// Start subscribes and runs a thread that polls the group. On a rebalance
// that thread calls on_revoked(partitions) -- synchronously: the owner stops
// its work on them before returning, so that no partition is worked on by two
// members at once -- and then, once the new assignment is known,
// on_assigned(partitions). The default assignor, cooperative-sticky, moves
// only the partitions that must move (others are not revoked and re-assigned
// around every rebalance); with an eager assignor (range, roundrobin) every
// rebalance revokes everything first. A member that dies keeps its
// partitions until session_timeout passes; Stop() leaves at once (on_revoked
// runs for what it owns).
//
// Threading: callbacks run on the member's thread, one at a time, and must
// not call Stop(). Other methods may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "log/kafka_client.h"
#include "log/kafka_options.h"

namespace unmogrowp {

class KafkaGroupMember {
 public:
  struct Options {
    // Brokers, topic, group and extra librdkafka properties (over the
    // defaults, e.g. partition.assignment.strategy; enable.auto.commit and
    // enable.auto.offset.store cannot be overridden).
    KafkaOptions kafka;
    // How long the group waits for a silent member (killed, hung, cut off)
    // before moving its partitions to the others (session.timeout.ms).
    // Shorter: faster failover, but a live member that stalls that long (a
    // stuck disk) is taken for dead and loses its partitions. Default 6 s.
    std::chrono::milliseconds session_timeout{6000};
    // Heartbeat period (heartbeat.interval.ms); also how soon members learn
    // of a rebalance. 0: session_timeout / 5, at most 1 s.
    std::chrono::milliseconds heartbeat_interval{0};
  };

  // Sorted partition numbers of the topic.
  using PartitionsCallback = std::function<void(const std::vector<int32_t>& partitions)>;

  // Creates the consumer, subscribes to the topic and starts the thread;
  // returns before the first assignment arrives.
  static Result<std::unique_ptr<KafkaGroupMember>> Start(Options options,
                                                         PartitionsCallback on_assigned,
                                                         PartitionsCallback on_revoked);
  // Stop()s.
  ~KafkaGroupMember();

  KafkaGroupMember(const KafkaGroupMember&) = delete;
  KafkaGroupMember& operator=(const KafkaGroupMember&) = delete;

  // Leaves the group (on_revoked runs for the owned partitions, on the
  // member's thread) and joins the thread. Idempotent.
  void Stop();

  // The partitions owned now (assigned and not revoked).
  std::vector<int32_t> owned() const;
  // Messages the consumer delivered although every owned partition is paused
  // (discarded). Should stay 0; for tests.
  uint64_t discarded_messages() const { return discarded_.load(std::memory_order_relaxed); }

 private:
  KafkaGroupMember(Options options, PartitionsCallback on_assigned, PartitionsCallback on_revoked);
  Status Subscribe();
  void Run();
  static void OnRebalance(rd_kafka_t* consumer, rd_kafka_resp_err_t error,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void Rebalance(rd_kafka_resp_err_t error, rd_kafka_topic_partition_list_t* partitions);
  void Assign(rd_kafka_topic_partition_list_t* partitions, bool cooperative);
  void Revoke(rd_kafka_topic_partition_list_t* partitions, bool cooperative);

  const Options options_;
  const PartitionsCallback on_assigned_;
  const PartitionsCallback on_revoked_;
  KafkaHandle consumer_;

  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> discarded_{0};
  mutable std::mutex mu_;
  std::set<int32_t> owned_;

  std::mutex stop_mu_;  // serializes Stop calls
  std::thread thread_;
};

}  // namespace unmogrowp
