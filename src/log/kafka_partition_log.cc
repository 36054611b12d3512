#include "log/kafka_partition_log.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "core/logging.h"

namespace unmogrowp {

namespace {

// Messages taken from the consumer's queue per refill.
constexpr size_t kReadBatch = 512;

bool IsTransient(rd_kafka_resp_err_t error) {
  switch (error) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return true;
    default:
      return false;
  }
}

class KafkaPartitionReader final : public LogReader {
 public:
  KafkaPartitionReader(KafkaHandle consumer, std::string topic, int32_t partition,
                       std::chrono::milliseconds poll_timeout)
      : consumer_(std::move(consumer)),
        queue_(rd_kafka_queue_get_consumer(consumer_.get())),
        topic_(std::move(topic)),
        partition_(partition),
        poll_timeout_ms_(static_cast<int>(poll_timeout.count())) {}

  ~KafkaPartitionReader() override {
    ReleaseCurrent();
    for (size_t i = next_; i < count_; ++i) rd_kafka_message_destroy(buffered_[i]);
    rd_kafka_queue_destroy(queue_);
    rd_kafka_consumer_close(consumer_.get());
  }

  Result<bool> Next(LogRecord* record) override {
    ReleaseCurrent();
    while (true) {
      if (next_ == count_ && !Refill()) return false;
      rd_kafka_message_t* message = buffered_[next_++];
      if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        current_ = message;
        record->offset = static_cast<uint64_t>(message->offset);
        record->next_offset = record->offset + 1;
        record->payload =
            std::string_view(static_cast<const char*>(message->payload), message->len);
        return true;
      }
      rd_kafka_resp_err_t error = message->err;
      std::string text = rd_kafka_message_errstr(message);
      rd_kafka_message_destroy(message);
      if (error == RD_KAFKA_RESP_ERR__PARTITION_EOF) return false;
      if (IsTransient(error)) return false;  // librdkafka reconnects by itself
      return Status::Unavailable(fmt::format("kafka: reading '{}' partition {}: {}{}{}", topic_,
                                             partition_, KafkaErrorText(error),
                                             text.empty() ? "" : ": ", text));
    }
  }

 private:
  // Takes what the consumer has queued, or waits up to the poll timeout for
  // one message. False when nothing came.
  bool Refill() {
    next_ = 0;
    ssize_t got = rd_kafka_consume_batch_queue(queue_, 0, buffered_.data(), buffered_.size());
    if (got <= 0) {
      rd_kafka_message_t* message = rd_kafka_consume_queue(queue_, poll_timeout_ms_);
      got = message == nullptr ? 0 : 1;
      buffered_[0] = message;
    }
    count_ = static_cast<size_t>(got);
    return count_ > 0;
  }

  void ReleaseCurrent() {
    if (current_ != nullptr) rd_kafka_message_destroy(current_);
    current_ = nullptr;
  }

  KafkaHandle consumer_;
  rd_kafka_queue_t* queue_;
  const std::string topic_;
  const int32_t partition_;
  const int poll_timeout_ms_;
  std::array<rd_kafka_message_t*, kReadBatch> buffered_{};
  size_t next_ = 0;
  size_t count_ = 0;
  rd_kafka_message_t* current_ = nullptr;  // backs the last record's payload
};

}  // namespace

Result<std::unique_ptr<KafkaPartitionLog>> KafkaPartitionLog::Open(Options options) {
  if (options.partition < 0) {
    return Status::InvalidArgument("partition", "kafka partition log: partition must be >= 0");
  }
  UM_ASSIGN_OR_RETURN(KafkaConf conf,
                      NewKafkaConf(options.kafka, {{"client.id", "unmogrowp-pipeline-meta"}}, {}));
  // A producer-type handle: it only asks for metadata and watermarks, and
  // unlike a consumer with a group.id it never looks for a coordinator.
  UM_ASSIGN_OR_RETURN(KafkaHandle client, NewKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
  UM_ASSIGN_OR_RETURN(int32_t partitions, KafkaTopicPartitions(client.get(), options.kafka.topic,
                                                               options.request_timeout));
  if (options.partition >= partitions) {
    return Status::NotFound(fmt::format("kafka: topic '{}' has no partition {} (it has {})",
                                        options.kafka.topic, options.partition, partitions));
  }
  return std::unique_ptr<KafkaPartitionLog>(
      new KafkaPartitionLog(std::move(options), std::move(client)));
}

KafkaPartitionLog::KafkaPartitionLog(Options options, KafkaHandle client)
    : options_(std::move(options)), client_(std::move(client)) {}

void KafkaPartitionLog::Append(EncodedBatch /*batch*/, AppendCallback done) {
  done(Status::FailedPrecondition("kafka partition log is read-only: append through KafkaEventLog"),
       0);
}

Status KafkaPartitionLog::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

uint64_t KafkaPartitionLog::DurableEndOffset() const {
  std::lock_guard<std::mutex> lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (queried_ && now - queried_at_ < options_.watermark_cache_ttl) return high_watermark_;
  int64_t low = 0;
  int64_t high = 0;
  rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(
      client_.get(), options_.kafka.topic.c_str(), options_.partition, &low, &high,
      static_cast<int>(options_.request_timeout.count()));
  queried_at_ = std::chrono::steady_clock::now();
  queried_ = true;
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Status failed = Status::Unavailable(
        fmt::format("kafka: high watermark of '{}' partition {}: {}", options_.kafka.topic,
                    options_.partition, KafkaErrorText(error)));
    if (health_.ok()) Log("kafka").warn("{}", failed.message());
    health_ = std::move(failed);
    return high_watermark_;
  }
  health_ = Status::OK();
  // Never backwards (a lagging replica turned leader cannot un-acknowledge).
  if (high > 0 && static_cast<uint64_t>(high) > high_watermark_) high_watermark_ = high;
  return high_watermark_;
}

Result<std::unique_ptr<LogReader>> KafkaPartitionLog::NewReader(uint64_t offset) {
  if (offset > static_cast<uint64_t>(INT64_MAX)) {
    return Status::InvalidArgument("offset", "kafka: offset out of range");
  }
  const KafkaProperties defaults = {
      {"client.id", "unmogrowp-pipeline-reader"},
      {"group.id", options_.kafka.group},
      // An offset outside the retained range means records the pipeline
      // never saw are gone: an error, never a silent jump.
      {"auto.offset.reset", "error"},
      // The broker answers a fetch as soon as there is data; this bounds the
      // wait when there is none (and with it a new record's latency).
      {"fetch.wait.max.ms", "100"},
  };
  const KafkaProperties required = {
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "true"},
  };
  UM_ASSIGN_OR_RETURN(KafkaConf conf, NewKafkaConf(options_.kafka, defaults, required));
  UM_ASSIGN_OR_RETURN(KafkaHandle consumer, NewKafkaClient(RD_KAFKA_CONSUMER, std::move(conf)));
  // Client errors (disconnects) then arrive through the queue Next reads,
  // instead of piling up in a main queue nobody polls.
  rd_kafka_poll_set_consumer(consumer.get());
  KafkaPartitionList assignment(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), options_.kafka.topic.c_str(),
                                    options_.partition)
      ->offset = static_cast<int64_t>(offset);
  rd_kafka_resp_err_t error = rd_kafka_assign(consumer.get(), assignment.get());
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(fmt::format("kafka: assigning '{}' partition {}: {}",
                                           options_.kafka.topic, options_.partition,
                                           KafkaErrorText(error)));
  }
  return std::unique_ptr<LogReader>(std::make_unique<KafkaPartitionReader>(
      std::move(consumer), options_.kafka.topic, options_.partition, options_.poll_timeout));
}

}  // namespace unmogrowp
