#pragma once

// KafkaPartitionLog: the read side of the scale-out event log for ONE
// partition of the topic -- the EventLog a pipeline worker runs over for a
// partition it owns (KafkaGroupMember decides which). Offsets are that
// partition's Kafka offsets: a record's offset is its message's offset and
// next_offset is offset + 1, so the pipeline's checkpoint is the Kafka
// position to resume from. Nothing is committed to Kafka: the checkpoint
// lives in the worker's state store, committed with the derived state.
//
// NewReader(offset) gets its own consumer handle, assigned to the partition
// at `offset` (no group membership, no offset commits). DurableEndOffset is
// the partition's high watermark -- the end of what every in-sync replica
// has, i.e. of what was acknowledged to producers -- asked of the leader at
// most every watermark_cache_ttl. Append is refused: this log is read-only.
//
// Threading: every method may be called from any thread; a reader is used by
// one thread at a time. Readers must be destroyed before the log.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "core/status.h"
#include "log/event_log.h"
#include "log/kafka_client.h"
#include "log/kafka_options.h"

namespace unmogrowp {

class KafkaPartitionLog final : public EventLog {
 public:
  struct Options {
    // Brokers, topic and extra librdkafka properties (over the defaults;
    // enable.auto.commit, enable.auto.offset.store and enable.partition.eof
    // cannot be overridden). group is the group.id readers declare (they
    // never join it).
    KafkaOptions kafka;
    // The partition to read. Required to exist (checked at Open).
    int32_t partition = 0;
    // How long Next waits for a message before reporting "caught up".
    // Longer: fewer empty polls; shorter: the pipeline thread gets back to
    // its other work sooner. Default 10 ms.
    std::chrono::milliseconds poll_timeout{10};
    // DurableEndOffset answers from a cached high watermark this young.
    // Default 50 ms (the pipeline asks once per batch).
    std::chrono::milliseconds watermark_cache_ttl{50};
    // Bound on Open's metadata request and on each watermark query.
    std::chrono::milliseconds request_timeout{5000};
  };

  // Checks that the topic and the partition exist (NotFound otherwise,
  // Unavailable when no broker answers).
  static Result<std::unique_ptr<KafkaPartitionLog>> Open(Options options);

  KafkaPartitionLog(const KafkaPartitionLog&) = delete;
  KafkaPartitionLog& operator=(const KafkaPartitionLog&) = delete;

  // Read-only: `done` gets FailedPrecondition at once, on the calling thread.
  void Append(EncodedBatch batch, AppendCallback done) override;
  // OK, or the error of the last watermark query when it failed.
  Status Health() const override;
  // The partition's high watermark; on a failed query the last known one.
  uint64_t DurableEndOffset() const override;
  // A reader of the partition from Kafka offset `offset`. Its Next returns
  // false when no message arrives within poll_timeout or at the partition's
  // end; an offset outside the partition's retained range is an error
  // (Unavailable) from Next, as is any partition error.
  Result<std::unique_ptr<LogReader>> NewReader(uint64_t offset) override;

  int32_t partition() const { return options_.partition; }

 private:
  KafkaPartitionLog(Options options, KafkaHandle client);

  const Options options_;
  KafkaHandle client_;  // metadata and watermark queries

  mutable std::mutex mu_;  // held across a query: concurrent callers share it
  mutable uint64_t high_watermark_ = 0;
  mutable std::chrono::steady_clock::time_point queried_at_;
  mutable bool queried_ = false;
  mutable Status health_;
};

}  // namespace unmogrowp
