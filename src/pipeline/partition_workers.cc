#include "pipeline/partition_workers.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/logging.h"
#include "log/kafka_group_member.h"
#include "log/kafka_partition_log.h"
#include "pipeline/state_mirror.h"
#include "store/state_store.h"

namespace unmogrowp {

// Destroyed in reverse: the pipeline first (it reads the log, writes the
// store and the mirror).
struct PartitionWorkers::Partition {
  std::unique_ptr<store::StateStore> store;
  std::unique_ptr<KafkaPartitionLog> log;
  std::unique_ptr<StateMirror> mirror;
  std::unique_ptr<Pipeline> pipeline;
};

PartitionWorkers::PartitionWorkers(Options options) : options_(std::move(options)) {}

Result<std::unique_ptr<PartitionWorkers>> PartitionWorkers::Start(Options options) {
  if (options.kafka.brokers.empty() || options.state_dir.empty()) {
    return Status::InvalidArgument("pipeline",
                                   "partition workers: Kafka brokers and a state dir are required");
  }
  if (options.pipeline.redact_log) {
    return Status::InvalidArgument("pipeline",
                                   "partition workers: a Kafka topic is not redacted in place");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.state_dir, ec);
  if (ec) {
    return Status::IOError("cannot create state dir " + options.state_dir + ": " + ec.message());
  }
  std::unique_ptr<PartitionWorkers> workers(new PartitionWorkers(std::move(options)));
  KafkaGroupMember::Options member;
  member.kafka = workers->options_.kafka;
  member.session_timeout = workers->options_.session_timeout;
  PartitionWorkers* self = workers.get();
  UM_ASSIGN_OR_RETURN(
      workers->member_,
      KafkaGroupMember::Start(
          std::move(member), [self](const std::vector<int32_t>& p) { self->OnAssigned(p); },
          [self](const std::vector<int32_t>& p) { self->OnRevoked(p); }));
  workers->retry_thread_ = std::thread([self] { self->RetryFailedStarts(); });
  return workers;
}

PartitionWorkers::~PartitionWorkers() { Stop(); }

void PartitionWorkers::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  retry_cv_.notify_all();
  if (retry_thread_.joinable()) retry_thread_.join();
  if (member_) member_->Stop();  // revokes, which stops every pipeline
  std::lock_guard<std::mutex> lock(mu_);
  partitions_.clear();
  start_errors_.clear();
}

Result<std::unique_ptr<PartitionWorkers::Partition>> PartitionWorkers::StartPartition(
    int32_t partition) {
  auto p = std::make_unique<Partition>();
  UM_ASSIGN_OR_RETURN(p->store, store::StateStore::Open(
                                    {.dir = fmt::format("{}/p{}", options_.state_dir, partition)}));
  KafkaPartitionLog::Options log_options;
  log_options.kafka = options_.kafka;
  log_options.partition = partition;
  UM_ASSIGN_OR_RETURN(p->log, KafkaPartitionLog::Open(std::move(log_options)));
  if (options_.make_mirror) {
    UM_ASSIGN_OR_RETURN(p->mirror, options_.make_mirror(partition));
  }
  Pipeline::Options pipeline = options_.pipeline;
  pipeline.log = p->log.get();
  pipeline.store = p->store.get();
  pipeline.mirror = p->mirror.get();
  UM_ASSIGN_OR_RETURN(p->pipeline, Pipeline::Start(std::move(pipeline)));
  return p;
}

void PartitionWorkers::OnAssigned(const std::vector<int32_t>& partitions) {
  for (int32_t partition : partitions) TryStart(partition, /*retry=*/false);
}

bool PartitionWorkers::TryStart(int32_t partition, bool retry) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (partitions_.count(partition) != 0) {
      start_errors_.erase(partition);
      return true;
    }
    // A retry only while the failure stands: OnRevoked clears it.
    if (retry && start_errors_.count(partition) == 0) return false;
    // The group's thread and the retry thread may both get here.
    if (!starting_.insert(partition).second) return false;
  }
  Result<std::unique_ptr<Partition>> started = StartPartition(partition);
  std::lock_guard<std::mutex> lock(mu_);
  starting_.erase(partition);
  starting_cv_.notify_all();
  if (!started.ok()) {
    start_errors_[partition] = started.status().WithContext(fmt::format("partition {}", partition));
    Log("pipeline")
        .error("cannot start partition {} (retrying every {} ms): {}", partition,
               options_.pipeline.retry_interval.count(), started.status().ToString());
    retry_cv_.notify_all();
    return false;
  }
  start_errors_.erase(partition);
  Log("pipeline")
      .info("partition {} assigned: resuming at offset {}", partition,
            (*started)->pipeline->committed_offset());
  partitions_[partition] = std::move(*started);
  return true;
}

// A partition that could not start (its state store, its reader, or its
// ClickHouse mirror failed to open -- ClickHouse down, say) is tried again
// every retry_interval while this worker still owns it.
void PartitionWorkers::RetryFailedStarts() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (start_errors_.empty()) {
      retry_cv_.wait(lock, [this] { return stopping_ || !start_errors_.empty(); });
      continue;
    }
    retry_cv_.wait_for(lock, options_.pipeline.retry_interval, [this] { return stopping_; });
    if (stopping_) break;
    std::vector<int32_t> failed;
    for (const auto& entry : start_errors_) failed.push_back(entry.first);
    lock.unlock();
    for (int32_t partition : failed) TryStart(partition, /*retry=*/true);
    lock.lock();
  }
}

void PartitionWorkers::OnRevoked(const std::vector<int32_t>& partitions) {
  for (int32_t partition : partitions) {
    std::unique_ptr<Partition> p;
    {
      std::unique_lock<std::mutex> lock(mu_);
      start_errors_.erase(partition);
      // A retry starting it now finishes first; then it is stopped below.
      starting_cv_.wait(lock, [&] { return starting_.count(partition) == 0; });
      start_errors_.erase(partition);  // a retry that failed meanwhile
      auto it = partitions_.find(partition);
      if (it == partitions_.end()) continue;
      p = std::move(it->second);
      partitions_.erase(it);
    }
    p->pipeline->Stop();
    Log("pipeline")
        .info("partition {} revoked at offset {}", partition, p->pipeline->committed_offset());
  }
}

std::vector<int32_t> PartitionWorkers::owned() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int32_t> owned;
  for (const auto& entry : partitions_) owned.push_back(entry.first);
  return owned;
}

std::vector<PartitionWorkers::Progress> PartitionWorkers::progress() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Progress> progress;
  for (const auto& [partition, p] : partitions_) {
    // The checkpoint first: it never passes the end read after it.
    uint64_t committed = p->pipeline->committed_offset();
    progress.push_back(Progress{partition, committed, p->log->DurableEndOffset()});
  }
  return progress;
}

EventProcessor::Stats PartitionWorkers::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  EventProcessor::Stats total;
  for (const auto& entry : partitions_) {
    EventProcessor::Stats s = entry.second->pipeline->stats();
    total.applied += s.applied;
    total.duplicates += s.duplicates;
    total.erasures += s.erasures;
    total.unknown_app += s.unknown_app;
    total.app_deletions += s.app_deletions;
    total.index_copies += s.index_copies;
  }
  return total;
}

Status PartitionWorkers::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [partition, p] : partitions_) {
    Status s = p->pipeline->health();
    if (!s.ok()) return s.WithContext(fmt::format("partition {}", partition));
  }
  return start_errors_.empty() ? Status::OK() : start_errors_.begin()->second;
}

}  // namespace unmogrowp
