#pragma once

// KafkaEventLog: the ingest side of the scale-out event log -- an EventLog
// whose Append produces each record to a Kafka topic through an idempotent
// librdkafka producer (enable.idempotence=true, acks=all), so that "done with
// OK" means the same as for the embedded log: every record of the batch is
// acknowledged by the partition's in-sync replicas. It is write-only: the
// pipeline reads each partition with KafkaPartitionLog.
//
// Routing: Options::route decides, per record, which partition(s) it goes to,
// with which key and which bytes (one record may fan out to several
// partitions). Without one, RouteByPayloadHash sends each record, unkeyed, to
// the partition chosen by a stable hash of its payload.
//
// Append(batch, done): `done` runs exactly once, on the log's poll thread:
//  - OK once every message produced for the batch has a successful delivery
//    report. first_offset is always 0: the batch spans partitions, each with
//    its own offsets, so there is no single offset to give.
//  - otherwise the first error: Unavailable with librdkafka's text for a
//    failed delivery (e.g. message.timeout.ms passed with the leader
//    unreachable); ResourceExhausted when the producer's queue is full
//    (queue.buffering.max.messages / max.kbytes) -- messages of the batch that
//    were already queued are waited for first, so nothing of the batch is
//    still in flight when done runs; the client re-sends the whole batch and
//    the pipeline's event-id dedup makes the re-sent copies harmless.
// A fatal producer error (the idempotence guarantee lost) makes Health() and
// every later Append Unavailable for good.
//
// Threading: every public method may be called from any thread. Callbacks
// run on the poll thread (after Close, on the calling thread) and must not
// block.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "log/event_log.h"
#include "log/kafka_client.h"
#include "log/kafka_options.h"

namespace unmogrowp {

// One message to produce for a record.
struct KafkaRoute {
  int32_t partition = 0;  // 0 <= partition < the topic's partition count
  std::string key;        // empty: no key
  std::string payload;    // empty: the record's own payload
};

// Appends the routes of one record (`partitions`: the topic's count) to
// `out`. Runs on the Append caller's thread; must be thread-safe. A record
// for which it appends nothing is not written anywhere.
using KafkaRouteFn =
    std::function<void(std::string_view payload, int32_t partitions, std::vector<KafkaRoute>* out)>;

// The default route: one unkeyed message with the record's payload, to
// partition murmur2(payload) % partitions -- librdkafka's
// rd_kafka_msg_partitioner_murmur2, the Java client's default hash, so any
// Kafka client computes the same partition for the same bytes.
void RouteByPayloadHash(std::string_view payload, int32_t partitions, std::vector<KafkaRoute>* out);

class KafkaEventLog final : public EventLog {
 public:
  struct Options {
    // Brokers, topic and extra librdkafka properties (applied over the
    // defaults below; enable.idempotence and acks cannot be overridden).
    // partitions and group are not used here: the topic's partition count
    // is read from the broker at Open.
    KafkaOptions kafka;
    // Null: RouteByPayloadHash.
    KafkaRouteFn route;
    // How long a message may wait for its acknowledgement, retries included,
    // before its batch fails with Unavailable (librdkafka message.timeout.ms).
    // Longer rides out longer broker outages, holding the client's request
    // open meanwhile; shorter turns outages into quick 503s. Default 30 s.
    std::chrono::milliseconds message_timeout{30000};
    // Time a message waits in the producer for more to batch with it
    // (linger.ms). Larger: bigger, fewer produce requests (throughput);
    // smaller: lower latency to the 202. Default 5 ms.
    std::chrono::milliseconds linger{5};
    // Messages waiting in the producer (queued or in flight) above which
    // Append fails with ResourceExhausted (queue.buffering.max.messages).
    // Default 500000: ~0.5 s of ingest at the 1M events/s target.
    int32_t max_queued_messages = 500000;
    // Bound on Open's metadata request.
    std::chrono::milliseconds metadata_timeout{10000};
    // Close waits this long for outstanding deliveries, then purges them
    // (their batches fail with Unavailable).
    std::chrono::milliseconds close_timeout{10000};
  };

  // Message counts since Open, for metrics.
  struct Counters {
    uint64_t delivered = 0;       // messages acknowledged by the broker
    uint64_t failed = 0;          // messages with a failed delivery report
    uint64_t batches_acked = 0;   // Appends answered OK
    uint64_t batches_failed = 0;  // Appends answered with an error
    uint64_t queue_full = 0;      // Appends refused for a full producer queue
    uint64_t broker_errors = 0;   // client-level errors (disconnects, refused connects)
  };

  // Creates the producer and checks with a metadata request that the topic
  // exists (NotFound otherwise; Unavailable when no broker answers within
  // metadata_timeout), taking its partition count from the answer.
  static Result<std::unique_ptr<KafkaEventLog>> Open(Options options);

  // Close()s.
  ~KafkaEventLog() override;

  KafkaEventLog(const KafkaEventLog&) = delete;
  KafkaEventLog& operator=(const KafkaEventLog&) = delete;

  void Append(EncodedBatch batch, AppendCallback done) override;
  // OK, or Unavailable after a fatal producer error or once closed.
  Status Health() const override;
  // Always 0: the topic's end is per partition (KafkaPartitionLog).
  uint64_t DurableEndOffset() const override { return 0; }
  // FailedPrecondition: this log is write-only; read with KafkaPartitionLog.
  Result<std::unique_ptr<LogReader>> NewReader(uint64_t offset) override;

  // Stops accepting appends (later ones get Unavailable), waits up to
  // close_timeout for outstanding deliveries, purges and fails what is still
  // unreported, joins the poll thread and destroys the producer. Returns the
  // fatal error, if any. Idempotent. Not from an Append callback (it waits
  // for the thread that runs them).
  Status Close();

  int32_t partitions() const { return partitions_; }
  Counters counters() const;

  // Raises a fatal error in the producer as if the broker had broken the
  // idempotence guarantee (librdkafka's rd_kafka_test_fatal_error). Tests only.
  void InjectFatalErrorForTesting();

 private:
  struct PendingBatch;

  explicit KafkaEventLog(Options options);
  // Open's work once the object exists (the callbacks' opaque is `this`).
  Status Start();

  // librdkafka callbacks (opaque: this log).
  static void OnDelivery(rd_kafka_t* producer, const rd_kafka_message_t* message, void* opaque);
  static void OnError(rd_kafka_t* producer, int error, const char* reason, void* opaque);

  // Drops one outstanding reference to `batch`; the last one finishes it --
  // at once when `on_poll_thread`, else through the poll thread.
  void Release(PendingBatch* batch, bool on_poll_thread);
  // Runs the batch's callback and frees it.
  void Finish(PendingBatch* batch);
  // Answers an Append that produced nothing, on the poll thread.
  void FailFast(AppendCallback done, Status status);
  void PollLoop();

  const Options options_;
  const KafkaRouteFn route_;
  int32_t partitions_ = 0;  // set by Start
  KafkaHandle producer_;    // destroyed by Close, after the poll thread stopped
  KafkaTopic topic_;

  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> batches_acked_{0};
  std::atomic<uint64_t> batches_failed_{0};
  std::atomic<uint64_t> queue_full_{0};
  std::atomic<uint64_t> broker_errors_{0};

  mutable std::mutex mu_;
  std::condition_variable idle_cv_;                // outstanding_ shrank
  std::unordered_set<PendingBatch*> outstanding_;  // Appends not yet finished
  std::deque<PendingBatch*> ready_;                // finished off the poll thread
  int producing_ = 0;                              // Appends between admission and Release
  Status fatal_;                                   // sticky Unavailable
  bool closing_ = false;
  bool poll_stopping_ = false;
  bool poll_stopped_ = false;

  std::mutex close_mu_;  // serializes Close calls
  Status close_status_;
  bool closed_ = false;

  std::thread poller_;
};

}  // namespace unmogrowp
