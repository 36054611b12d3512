#pragma once

// PartitionWorkers: the pipeline of a scale-out worker (`serve --role
// pipeline` with a Kafka log, docs/scale-out.md). It joins the consumer
// group that splits the event topic's partitions among the workers and, for
// each partition it is given, runs a Pipeline over that partition
// (KafkaPartitionLog) with the partition's own state store in
// <state_dir>/p<N> -- whose checkpoint is the partition's Kafka offset,
// committed with the state -- and, when configured, the partition's state
// mirror (ClickHouse). A partition taken away stops its pipeline before the
// group moves it (KafkaGroupMember calls back synchronously); a partition
// this worker never had starts from offset 0 and rebuilds its state by
// replay. A partition that cannot start (ClickHouse down when it arrives)
// is tried again every pipeline.retry_interval while it is owned here.
//
// Thread-safety: every public method may be called from any thread.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "log/kafka_options.h"
#include "pipeline/pipeline.h"

namespace unmogrowp {

class KafkaGroupMember;
class KafkaPartitionLog;
class StateMirror;

class PartitionWorkers {
 public:
  struct Options {
    // Brokers, topic and group. Required.
    KafkaOptions kafka;
    // Each partition's state lives in <state_dir>/p<N>. Required.
    std::string state_dir;
    // How long the group waits for a silent worker before its partitions
    // move (KafkaGroupMember::Options::session_timeout). Default 6 s.
    std::chrono::milliseconds session_timeout{6000};
    // Every partition's Pipeline::Options; log, store and mirror are filled
    // in per partition, and redact_log must be empty (the Kafka topic is
    // not redacted in place: its retention is the operator's).
    Pipeline::Options pipeline;
    // Makes a partition's state mirror; null: none.
    std::function<Result<std::unique_ptr<StateMirror>>(int32_t partition)> make_mirror;
  };

  static Result<std::unique_ptr<PartitionWorkers>> Start(Options options);
  // Stop()s.
  ~PartitionWorkers();

  // Leaves the group and stops every partition's pipeline (each commits the
  // batch in hand). Idempotent.
  void Stop();

  // The partitions running here now.
  std::vector<int32_t> owned() const;
  struct Progress {
    int32_t partition = 0;
    uint64_t committed = 0;  // the pipeline's checkpoint
    uint64_t end = 0;        // the partition's high watermark (cached briefly)
  };
  // The running partitions, in partition order.
  std::vector<Progress> progress() const;
  // Events applied by the running partitions' pipelines since they started here.
  EventProcessor::Stats stats() const;
  // OK, or the first error among the partitions (a pipeline that paused, a
  // partition that could not start).
  Status health() const;

 private:
  struct Partition;
  explicit PartitionWorkers(Options options);
  void OnAssigned(const std::vector<int32_t>& partitions);
  void OnRevoked(const std::vector<int32_t>& partitions);
  // Starts the partition unless it runs; false (and remembered for a
  // retry) when it cannot start.
  bool TryStart(int32_t partition, bool retry);
  void RetryFailedStarts();
  Result<std::unique_ptr<Partition>> StartPartition(int32_t partition);

  const Options options_;
  mutable std::mutex mu_;
  std::map<int32_t, std::unique_ptr<Partition>> partitions_;
  // Owned partitions that failed to start, with why; retried.
  std::map<int32_t, Status> start_errors_;
  std::set<int32_t> starting_;  // being started (outside mu_)
  std::condition_variable starting_cv_;
  bool stopping_ = false;
  std::condition_variable retry_cv_;
  std::thread retry_thread_;
  std::unique_ptr<KafkaGroupMember> member_;
};

}  // namespace unmogrowp
