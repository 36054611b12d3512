#pragma once

// KafkaOptions: where the scale-out event log lives -- the brokers, the topic
// (default `events-raw`), its partition count (used only when a mock cluster
// creates the topic; clients read the real count from the broker), the
// pipeline's consumer group, and extra librdkafka properties -- parsed from a
// `kafka://` URL. A plain value type; ParseKafkaUrl is a pure function.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace unmogrowp {

struct KafkaOptions {
  // Comma-separated host:port list (librdkafka's bootstrap.servers). Required.
  std::string brokers;
  // The topic the ingest side produces to and the pipeline reads.
  std::string topic = "events-raw";
  // Partitions to create the topic with (mock clusters, dev setups). A real
  // cluster's topic is created by its operator; clients ask the broker.
  int32_t partitions = 4;
  // Consumer group whose members split the topic's partitions between them.
  std::string group = "unmogrowp-pipeline";
  // librdkafka configuration properties (name, value), applied to every
  // client over its defaults -- e.g. security.protocol, sasl.*, or
  // message.timeout.ms. A property that only applies to producers is
  // ignored by consumers and the other way round.
  std::vector<std::pair<std::string, std::string>> properties;
};

// Parses `kafka://host:port[,host:port...][/topic][?name=value&...]`.
// Query parameters: `partitions` (1..100000), `group` (non-empty); every other
// name must be a librdkafka property (checked against librdkafka's own list
// and value rules) except bootstrap.servers and group.id, which the URL's
// host list and `group` give. Names and values may be %-encoded. Errors are
// InvalidArgument (field "kafka_url") naming the part at fault; the message
// never echoes property values (they may hold secrets).
Result<KafkaOptions> ParseKafkaUrl(std::string_view url);

}  // namespace unmogrowp
