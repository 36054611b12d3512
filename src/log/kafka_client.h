#pragma once

// Helpers shared by the Kafka event-log classes (kafka_event_log.h,
// kafka_partition_log.h, kafka_group_member.h, kafka_mock_cluster.h): owning
// librdkafka handles, building a client configuration from KafkaOptions
// (librdkafka's logs go to the "kafka" logger), and reading topic metadata.
// Internal to the log module. Functions are thread-safe; a handle is used as
// librdkafka allows (rd_kafka_t is thread-safe).

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "log/kafka_options.h"

namespace unmogrowp {

struct KafkaConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct KafkaHandleDeleter {
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
struct KafkaTopicDeleter {
  void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
};
struct KafkaPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using KafkaConf = std::unique_ptr<rd_kafka_conf_t, KafkaConfDeleter>;
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaHandleDeleter>;
using KafkaTopic = std::unique_ptr<rd_kafka_topic_t, KafkaTopicDeleter>;
using KafkaPartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, KafkaPartitionListDeleter>;

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

// A configuration for options.brokers: `defaults`, then options.properties
// (the operator's choices win over our defaults), then `required` (settings
// the caller's guarantees depend on win over everything). Log lines go to
// Log("kafka"). InvalidArgument naming a property librdkafka refuses.
Result<KafkaConf> NewKafkaConf(const KafkaOptions& options, const KafkaProperties& defaults,
                               const KafkaProperties& required);

// Sets one property; InvalidArgument naming it when librdkafka refuses.
Status SetKafkaProperty(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

// Creates a client from `conf` (consumed even on failure).
Result<KafkaHandle> NewKafkaClient(rd_kafka_type_t type, KafkaConf conf);

// The partition count of `topic`, from a metadata request for all topics (so
// that the request cannot auto-create the topic). NotFound when the cluster
// has no such topic, Unavailable when the brokers do not answer in time.
Result<int32_t> KafkaTopicPartitions(rd_kafka_t* client, const std::string& topic,
                                     std::chrono::milliseconds timeout);

// "Local: Message timed out (_MSG_TIMED_OUT)".
std::string KafkaErrorText(rd_kafka_resp_err_t error);

}  // namespace unmogrowp
