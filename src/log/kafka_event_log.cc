#include "log/kafka_event_log.h"

#include <fmt/format.h>

#include <utility>

#include "core/logging.h"

namespace unmogrowp {

namespace {

// After Close's wait, purged messages report at once; this bounds the wait
// for those reports.
constexpr std::chrono::milliseconds kPurgeReportWait{2000};

}  // namespace

// One Append in flight. `unreported` counts the messages produced for it
// that have no delivery report yet, plus one held by Append itself while it
// produces; whoever drops it to zero finishes the batch.
struct KafkaEventLog::PendingBatch {
  AppendCallback done;
  EncodedBatch batch;              // produced without copying: lives until Finish
  std::vector<KafkaRoute> routes;  // likewise
  std::atomic<size_t> unreported{1};

  std::mutex mu;
  Status error;  // the first error

  void Fail(Status status) {
    std::lock_guard<std::mutex> lock(mu);
    if (error.ok()) error = std::move(status);
  }
};

void RouteByPayloadHash(std::string_view payload, int32_t partitions,
                        std::vector<KafkaRoute>* out) {
  int32_t partition = rd_kafka_msg_partitioner_murmur2(nullptr, payload.data(), payload.size(),
                                                       partitions, nullptr, nullptr);
  out->push_back(KafkaRoute{partition, {}, {}});
}

Result<std::unique_ptr<KafkaEventLog>> KafkaEventLog::Open(Options options) {
  if (options.message_timeout.count() <= 0 || options.max_queued_messages <= 0) {
    return Status::InvalidArgument(
        "kafka", "kafka log: message_timeout and max_queued_messages must be positive");
  }
  std::unique_ptr<KafkaEventLog> log(new KafkaEventLog(std::move(options)));
  UM_RETURN_IF_ERROR(log->Start());
  return log;
}

KafkaEventLog::KafkaEventLog(Options options)
    : options_(std::move(options)),
      route_(options_.route ? options_.route : KafkaRouteFn(&RouteByPayloadHash)) {}

Status KafkaEventLog::Start() {
  const KafkaProperties defaults = {
      {"client.id", "unmogrowp-ingest"},
      {"linger.ms", std::to_string(options_.linger.count())},
      {"message.timeout.ms", std::to_string(options_.message_timeout.count())},
      {"queue.buffering.max.messages", std::to_string(options_.max_queued_messages)},
      // Bigger produce requests for throughput; lz4 costs little CPU.
      {"batch.size", "1048576"},
      {"compression.type", "lz4"},
  };
  // What a 202 promises: acknowledged by every in-sync replica, and no
  // duplicates or reordering from the producer's own retries.
  const KafkaProperties required = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
  };
  UM_ASSIGN_OR_RETURN(KafkaConf conf, NewKafkaConf(options_.kafka, defaults, required));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaEventLog::OnDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaEventLog::OnError);
  rd_kafka_conf_set_opaque(conf.get(), this);
  UM_ASSIGN_OR_RETURN(producer_, NewKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
  UM_ASSIGN_OR_RETURN(partitions_, KafkaTopicPartitions(producer_.get(), options_.kafka.topic,
                                                        options_.metadata_timeout));
  topic_.reset(rd_kafka_topic_new(producer_.get(), options_.kafka.topic.c_str(), nullptr));
  if (!topic_) {
    return Status::Internal(
        fmt::format("kafka log: topic handle: {}", KafkaErrorText(rd_kafka_last_error())));
  }
  poller_ = std::thread([this] { PollLoop(); });
  return Status::OK();
}

KafkaEventLog::~KafkaEventLog() {
  Status status = Close();
  if (!status.ok()) Log("kafka").warn("kafka log closed with {}", status.ToString());
}

void KafkaEventLog::Append(EncodedBatch batch, AppendCallback done) {
  auto* pending = new PendingBatch;
  pending->done = std::move(done);
  pending->batch = std::move(batch);
  {
    std::lock_guard<std::mutex> lock(mu_);
    outstanding_.insert(pending);
    if (!fatal_.ok()) {
      pending->error = fatal_;
    } else if (closing_) {
      pending->error = Status::Unavailable("kafka log: closed");
    } else {
      ++producing_;  // Close waits for this before it stops anything
    }
  }
  if (!pending->error.ok()) {
    Release(pending, /*on_poll_thread=*/false);
    return;
  }

  // Every route first, then produce: the routes' strings must not move once
  // librdkafka points at them.
  const EncodedBatch& records = pending->batch;
  std::vector<uint32_t> route_record;  // the record each route came from
  route_record.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    route_(records.at(i), partitions_, &pending->routes);
    route_record.resize(pending->routes.size(), static_cast<uint32_t>(i));
  }
  for (size_t j = 0; j < pending->routes.size(); ++j) {
    const KafkaRoute& route = pending->routes[j];
    if (route.partition < 0 || route.partition >= partitions_) {
      pending->Fail(Status::InvalidArgument(
          "partition",
          fmt::format("kafka log: the route chose partition {} of a {}-partition topic",
                      route.partition, partitions_)));
      break;
    }
    std::string_view value =
        route.payload.empty() ? records.at(route_record[j]) : std::string_view(route.payload);
    pending->unreported.fetch_add(1, std::memory_order_relaxed);
    // Flags 0: no copy; the bytes live in `pending` until its last report.
    rd_kafka_resp_err_t error = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_RKT(topic_.get()), RD_KAFKA_V_PARTITION(route.partition),
        RD_KAFKA_V_KEY(route.key.empty() ? nullptr : route.key.data(), route.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(0),
        RD_KAFKA_V_OPAQUE(pending), RD_KAFKA_V_END);
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    pending->unreported.fetch_sub(1, std::memory_order_relaxed);
    if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      queue_full_.fetch_add(1, std::memory_order_relaxed);
      pending->Fail(Status::ResourceExhausted(
          "kafka log: the producer queue is full (queue.buffering.max.messages); retry later"));
    } else if (error == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      pending->Fail(Status::InvalidArgument(
          "event", "kafka log: an event is larger than the producer's message.max.bytes"));
    } else {
      pending->Fail(Status::Unavailable(fmt::format("kafka log: produce to '{}' partition {}: {}",
                                                    options_.kafka.topic, route.partition,
                                                    KafkaErrorText(error))));
    }
    break;
  }
  Release(pending, /*on_poll_thread=*/false);  // `pending` may be gone after this
  {
    std::lock_guard<std::mutex> lock(mu_);
    --producing_;
  }
  idle_cv_.notify_all();
}

void KafkaEventLog::OnDelivery(rd_kafka_t* /*producer*/, const rd_kafka_message_t* message,
                               void* opaque) {
  auto* log = static_cast<KafkaEventLog*>(opaque);
  auto* pending = static_cast<PendingBatch*>(message->_private);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    log->delivered_.fetch_add(1, std::memory_order_relaxed);
  } else {
    log->failed_.fetch_add(1, std::memory_order_relaxed);
    pending->Fail(Status::Unavailable(
        fmt::format("kafka log: delivery to '{}' partition {} failed: {}",
                    log->options_.kafka.topic, message->partition, KafkaErrorText(message->err))));
  }
  log->Release(pending, /*on_poll_thread=*/true);
}

void KafkaEventLog::OnError(rd_kafka_t* producer, int error, const char* /*reason*/, void* opaque) {
  auto* log = static_cast<KafkaEventLog*>(opaque);
  if (error != RD_KAFKA_RESP_ERR__FATAL) {
    // Disconnects and refused connects, which librdkafka has logged and
    // retries by itself (failing the affected messages after
    // message.timeout.ms).
    log->broker_errors_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  char text[512];
  rd_kafka_resp_err_t cause = rd_kafka_fatal_error(producer, text, sizeof(text));
  Status fatal = Status::Unavailable(fmt::format(
      "kafka log: fatal producer error, restart needed: {}: {}", rd_kafka_err2name(cause), text));
  Log("kafka").error("{}", fatal.message());
  std::lock_guard<std::mutex> lock(log->mu_);
  if (log->fatal_.ok()) log->fatal_ = std::move(fatal);
}

void KafkaEventLog::Release(PendingBatch* pending, bool on_poll_thread) {
  if (pending->unreported.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (on_poll_thread) {
    Finish(pending);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!poll_stopped_) {
      ready_.push_back(pending);
      // Wakes the poll thread; under the lock, so the producer still exists.
      rd_kafka_yield(producer_.get());
      return;
    }
  }
  Finish(pending);  // after Close: the calling thread answers
}

void KafkaEventLog::Finish(PendingBatch* pending) {
  Status status;
  {
    std::lock_guard<std::mutex> lock(pending->mu);
    status = pending->error;
  }
  (status.ok() ? batches_acked_ : batches_failed_).fetch_add(1, std::memory_order_relaxed);
  pending->done(status, 0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    outstanding_.erase(pending);
  }
  idle_cv_.notify_all();
  delete pending;
}

void KafkaEventLog::PollLoop() {
  std::deque<PendingBatch*> ready;
  while (true) {
    rd_kafka_poll(producer_.get(), 100);  // delivery reports and errors run here
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready.swap(ready_);
      if (ready.empty() && poll_stopping_) {
        poll_stopped_ = true;
        return;
      }
    }
    for (PendingBatch* pending : ready) Finish(pending);
    ready.clear();
  }
}

Status KafkaEventLog::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!fatal_.ok()) return fatal_;
  if (closing_) return Status::Unavailable("kafka log: closed");
  return Status::OK();
}

Result<std::unique_ptr<LogReader>> KafkaEventLog::NewReader(uint64_t /*offset*/) {
  return Status::FailedPrecondition(
      "kafka log: the ingest log is write-only; read partitions with KafkaPartitionLog");
}

Status KafkaEventLog::Close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  if (closed_) return close_status_;
  closed_ = true;
  std::unique_lock<std::mutex> lock(mu_);
  closing_ = true;
  // Appends still producing finish that in microseconds; after this no one
  // touches the producer but the poll thread and this function.
  idle_cv_.wait(lock, [this] { return producing_ == 0; });
  if (poller_.joinable()) {
    if (!idle_cv_.wait_for(lock, options_.close_timeout, [this] { return outstanding_.empty(); })) {
      Log("kafka").warn("kafka log: {} appends still unacknowledged after {} ms; purging them",
                        outstanding_.size(), options_.close_timeout.count());
      lock.unlock();
      // Purged messages get delivery reports (__PURGE_QUEUE/_INFLIGHT), so
      // their batches fail on the poll thread.
      rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      lock.lock();
      idle_cv_.wait_for(lock, kPurgeReportWait, [this] { return outstanding_.empty(); });
    }
    poll_stopping_ = true;
    rd_kafka_yield(producer_.get());
    lock.unlock();
    poller_.join();
    lock.lock();
  }
  poll_stopped_ = true;
  close_status_ = fatal_;
  // Whatever librdkafka never reported (nothing, normally) fails here, after
  // the producer is gone: no report can follow, and no broker thread still
  // reads the batch's bytes.
  std::vector<PendingBatch*> unreported(outstanding_.begin(), outstanding_.end());
  lock.unlock();
  topic_.reset();
  producer_.reset();
  for (PendingBatch* pending : unreported) {
    pending->Fail(Status::Unavailable("kafka log: closed before the broker acknowledged"));
    Finish(pending);
  }
  return close_status_;
}

KafkaEventLog::Counters KafkaEventLog::counters() const {
  Counters counters;
  counters.delivered = delivered_.load(std::memory_order_relaxed);
  counters.failed = failed_.load(std::memory_order_relaxed);
  counters.batches_acked = batches_acked_.load(std::memory_order_relaxed);
  counters.batches_failed = batches_failed_.load(std::memory_order_relaxed);
  counters.queue_full = queue_full_.load(std::memory_order_relaxed);
  counters.broker_errors = broker_errors_.load(std::memory_order_relaxed);
  return counters;
}

void KafkaEventLog::InjectFatalErrorForTesting() {
  rd_kafka_test_fatal_error(producer_.get(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                            "injected by a test");
}

}  // namespace unmogrowp
