#include "log/kafka_client.h"

#include <fmt/format.h>

#include <string_view>

#include "core/logging.h"

namespace unmogrowp {

namespace {

// librdkafka levels are syslog's: 0-3 error, 4 warning, 5-6 notice/info,
// 7 debug. It warns (CONFWARN) about every property that the client's type
// ignores; since KafkaOptions::properties go to producers and consumers
// alike, those are expected and shown at debug level.
void ForwardLog(const rd_kafka_t* /*client*/, int level, const char* facility, const char* line) {
  spdlog::level::level_enum spd_level = spdlog::level::debug;
  if (level <= 3) {
    spd_level = spdlog::level::err;
  } else if (level == 4) {
    spd_level = spdlog::level::warn;
  } else if (level <= 6) {
    spd_level = spdlog::level::info;
  }
  if (std::string_view(facility) == "CONFWARN" &&
      std::string_view(line).find("will be ignored by this") != std::string_view::npos) {
    spd_level = spdlog::level::debug;
  }
  Log("kafka").log(spd_level, "librdkafka {}: {}", facility, line);
}

}  // namespace

Status SetKafkaProperty(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) !=
      RD_KAFKA_CONF_OK) {
    return Status::InvalidArgument(name, fmt::format("kafka property '{}': {}", name, error));
  }
  return Status::OK();
}

Result<KafkaConf> NewKafkaConf(const KafkaOptions& options, const KafkaProperties& defaults,
                               const KafkaProperties& required) {
  if (options.brokers.empty()) {
    return Status::InvalidArgument("brokers", "kafka: no brokers given");
  }
  KafkaConf conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &ForwardLog);
  UM_RETURN_IF_ERROR(SetKafkaProperty(conf.get(), "bootstrap.servers", options.brokers));
  for (const KafkaProperties* properties : {&defaults, &options.properties, &required}) {
    for (const auto& [name, value] : *properties) {
      UM_RETURN_IF_ERROR(SetKafkaProperty(conf.get(), name, value));
    }
  }
  return conf;
}

Result<KafkaHandle> NewKafkaClient(rd_kafka_type_t type, KafkaConf conf) {
  char error[512];
  rd_kafka_t* client = rd_kafka_new(type, conf.get(), error, sizeof(error));
  if (client == nullptr) {
    return Status::InvalidArgument("kafka", fmt::format("kafka: cannot create client: {}", error));
  }
  conf.release();  // rd_kafka_new owns it now
  return KafkaHandle(client);
}

Result<int32_t> KafkaTopicPartitions(rd_kafka_t* client, const std::string& topic,
                                     std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t error = rd_kafka_metadata(client, /*all_topics=*/1, nullptr, &metadata,
                                                static_cast<int>(timeout.count()));
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(
        fmt::format("kafka: metadata request failed: {}", KafkaErrorText(error)));
  }
  std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> owned(
      metadata, &rd_kafka_metadata_destroy);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& entry = metadata->topics[i];
    if (topic != entry.topic) continue;
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable(
          fmt::format("kafka: topic '{}': {}", topic, KafkaErrorText(entry.err)));
    }
    if (entry.partition_cnt <= 0) {
      return Status::Unavailable(fmt::format("kafka: topic '{}' has no partitions", topic));
    }
    return static_cast<int32_t>(entry.partition_cnt);
  }
  return Status::NotFound(fmt::format("kafka: topic '{}' does not exist", topic));
}

std::string KafkaErrorText(rd_kafka_resp_err_t error) {
  return fmt::format("{} ({})", rd_kafka_err2str(error), rd_kafka_err2name(error));
}

}  // namespace unmogrowp
