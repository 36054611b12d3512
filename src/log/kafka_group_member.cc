#include "log/kafka_group_member.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/logging.h"

namespace unmogrowp {

namespace {

// How long one poll of the group waits; bounds Stop's latency.
constexpr int kPollMs = 100;

std::vector<int32_t> PartitionsOf(const rd_kafka_topic_partition_list_t* list,
                                  const std::string& topic) {
  std::vector<int32_t> partitions;
  for (int i = 0; i < list->cnt; ++i) {
    if (topic == list->elems[i].topic) partitions.push_back(list->elems[i].partition);
  }
  std::sort(partitions.begin(), partitions.end());
  return partitions;
}

void LogError(std::string_view what, rd_kafka_error_t* error) {
  if (error == nullptr) return;
  Log("kafka").error("kafka group: {}: {}", what, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
}

void LogError(std::string_view what, rd_kafka_resp_err_t error) {
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  Log("kafka").error("kafka group: {}: {}", what, KafkaErrorText(error));
}

}  // namespace

Result<std::unique_ptr<KafkaGroupMember>> KafkaGroupMember::Start(Options options,
                                                                  PartitionsCallback on_assigned,
                                                                  PartitionsCallback on_revoked) {
  if (!on_assigned || !on_revoked) {
    return Status::InvalidArgument("kafka_group", "kafka group: both callbacks are required");
  }
  if (options.session_timeout.count() <= 0) {
    return Status::InvalidArgument("session_timeout", "kafka group: session_timeout must be > 0");
  }
  if (options.heartbeat_interval.count() <= 0) {
    options.heartbeat_interval = std::clamp(
        options.session_timeout / 5, std::chrono::milliseconds(1), std::chrono::milliseconds(1000));
  }
  std::unique_ptr<KafkaGroupMember> member(
      new KafkaGroupMember(std::move(options), std::move(on_assigned), std::move(on_revoked)));
  UM_RETURN_IF_ERROR(member->Subscribe());
  member->thread_ = std::thread([raw = member.get()] { raw->Run(); });
  return member;
}

KafkaGroupMember::KafkaGroupMember(Options options, PartitionsCallback on_assigned,
                                   PartitionsCallback on_revoked)
    : options_(std::move(options)),
      on_assigned_(std::move(on_assigned)),
      on_revoked_(std::move(on_revoked)) {}

KafkaGroupMember::~KafkaGroupMember() { Stop(); }

Status KafkaGroupMember::Subscribe() {
  const KafkaProperties defaults = {
      {"client.id", "unmogrowp-pipeline-member"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"session.timeout.ms", std::to_string(options_.session_timeout.count())},
      {"heartbeat.interval.ms", std::to_string(options_.heartbeat_interval.count())},
      // The member polls all the time (it does no work of its own between
      // polls), so librdkafka's 300 s default only delays noticing a lost
      // membership: after a broker or network stall longer than the session
      // timeout it would keep owning nothing for 5 minutes.
      {"max.poll.interval.ms",
       std::to_string(std::max<int64_t>(30000, 5 * options_.session_timeout.count()))},
  };
  const KafkaProperties required = {
      {"group.id", options_.kafka.group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
  };
  UM_ASSIGN_OR_RETURN(KafkaConf conf, NewKafkaConf(options_.kafka, defaults, required));
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaGroupMember::OnRebalance);
  rd_kafka_conf_set_opaque(conf.get(), this);
  UM_ASSIGN_OR_RETURN(consumer_, NewKafkaClient(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(consumer_.get());  // errors come through the consumer poll
  KafkaPartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), options_.kafka.topic.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t error = rd_kafka_subscribe(consumer_.get(), topics.get());
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(fmt::format("kafka group: subscribing to '{}': {}",
                                           options_.kafka.topic, KafkaErrorText(error)));
  }
  return Status::OK();
}

void KafkaGroupMember::Run() {
  while (!stopping_.load(std::memory_order_acquire)) {
    // Rebalance callbacks run inside this poll.
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_.get(), kPollMs);
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      discarded_.fetch_add(1, std::memory_order_relaxed);
    } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // Broker errors, which librdkafka has logged and recovers from.
      Log("kafka").debug("kafka group: {}", rd_kafka_message_errstr(message));
    }
    rd_kafka_message_destroy(message);
  }
  // Leaves the group; the revoke callback runs here, on this thread.
  LogError("leaving the group", rd_kafka_consumer_close(consumer_.get()));
}

void KafkaGroupMember::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  stopping_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
  consumer_.reset();
}

std::vector<int32_t> KafkaGroupMember::owned() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::vector<int32_t>(owned_.begin(), owned_.end());
}

void KafkaGroupMember::OnRebalance(rd_kafka_t* /*consumer*/, rd_kafka_resp_err_t error,
                                   rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<KafkaGroupMember*>(opaque)->Rebalance(error, partitions);
}

void KafkaGroupMember::Rebalance(rd_kafka_resp_err_t error,
                                 rd_kafka_topic_partition_list_t* partitions) {
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(consumer_.get()), "COOPERATIVE") == 0;
  if (error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    Assign(partitions, cooperative);
  } else if (error == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    Revoke(partitions, cooperative);
  } else {
    Log("kafka").error("kafka group: rebalance failed: {}", KafkaErrorText(error));
    Revoke(partitions, cooperative);
  }
}

void KafkaGroupMember::Assign(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
  if (cooperative) {
    LogError("assign", rd_kafka_incremental_assign(consumer_.get(), partitions));
  } else {
    LogError("assign", rd_kafka_assign(consumer_.get(), partitions));
  }
  // Owned, not read here: the owner reads each partition with its own
  // consumer from its own checkpoint.
  LogError("pause", rd_kafka_pause_partitions(consumer_.get(), partitions));
  std::vector<int32_t> added = PartitionsOf(partitions, options_.kafka.topic);
  {
    std::lock_guard<std::mutex> lock(mu_);
    owned_.insert(added.begin(), added.end());
  }
  if (!added.empty()) on_assigned_(added);
}

void KafkaGroupMember::Revoke(rd_kafka_topic_partition_list_t* partitions, bool cooperative) {
  std::vector<int32_t> removed = PartitionsOf(partitions, options_.kafka.topic);
  if (rd_kafka_assignment_lost(consumer_.get())) {
    Log("kafka").warn("kafka group: lost {} partitions (session timed out?)", removed.size());
  }
  // The owner stops first; only then may the group give them to others.
  if (!removed.empty()) on_revoked_(removed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int32_t partition : removed) owned_.erase(partition);
  }
  if (cooperative) {
    LogError("unassign", rd_kafka_incremental_unassign(consumer_.get(), partitions));
  } else {
    LogError("unassign", rd_kafka_assign(consumer_.get(), nullptr));
  }
}

}  // namespace unmogrowp
