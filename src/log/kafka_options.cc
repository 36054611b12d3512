#include "log/kafka_options.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <charconv>
#include <memory>

namespace unmogrowp {

namespace {

constexpr std::string_view kScheme = "kafka://";
constexpr int32_t kMaxPartitions = 100000;

Status UrlError(const std::string& message) {
  return Status::InvalidArgument("kafka_url", "kafka URL: " + message);
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  while (true) {
    size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX-decodes `text` (`what` names it in the error).
Result<std::string> PercentDecode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return UrlError(fmt::format("{} has a bad %-escape at character {}", what, i + 1));
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

Status CheckBroker(std::string_view broker) {
  if (broker.empty()) return UrlError("empty broker in the host list");
  size_t colon = broker.rfind(':');
  std::string_view host = colon == std::string_view::npos ? broker : broker.substr(0, colon);
  if (colon == std::string_view::npos || host.empty() || host == "[]") {
    return UrlError(fmt::format("broker '{}' must be host:port", broker));
  }
  if (host.front() == '[' ? host.back() != ']' : host.find(':') != std::string_view::npos) {
    return UrlError(
        fmt::format("broker '{}': write an IPv6 host in brackets ([::1]:9092)", broker));
  }
  std::string_view port = broker.substr(colon + 1);
  int value = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value < 1 ||
      value > 65535) {
    return UrlError(fmt::format("port '{}' of broker '{}' is not a number 1-65535", port, broker));
  }
  return Status::OK();
}

// Kafka's own rule: 1-249 of [a-zA-Z0-9._-], not "." or "..".
Status CheckTopic(std::string_view topic) {
  if (topic.size() > 249 || topic == "." || topic == "..") {
    return UrlError(fmt::format("topic '{}' is not a valid Kafka topic name", topic));
  }
  for (char c : topic) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return UrlError(
          fmt::format("topic '{}' may contain only letters, digits, '.', '_' and '-'", topic));
    }
  }
  return Status::OK();
}

// Asks librdkafka whether it knows `name` and accepts `value` for it.
Status CheckProperty(const std::string& name, const std::string& value) {
  if (name == "bootstrap.servers" || name == "metadata.broker.list") {
    return UrlError(fmt::format("give the brokers as the URL's host list, not as '{}'", name));
  }
  if (name == "group.id") return UrlError("give the consumer group as 'group=', not 'group.id='");
  std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(),
                                                                          &rd_kafka_conf_destroy);
  char error[512];
  switch (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error, sizeof(error))) {
    case RD_KAFKA_CONF_OK:
      return Status::OK();
    case RD_KAFKA_CONF_UNKNOWN:
      return UrlError(fmt::format("'{}' is not a librdkafka configuration property", name));
    case RD_KAFKA_CONF_INVALID:
      return UrlError(fmt::format("invalid value for property '{}'", name));
  }
  return UrlError(fmt::format("property '{}' was refused", name));
}

}  // namespace

Result<KafkaOptions> ParseKafkaUrl(std::string_view url) {
  if (url.substr(0, kScheme.size()) != kScheme) return UrlError("must start with kafka://");
  std::string_view rest = url.substr(kScheme.size());
  std::string_view query;
  if (size_t mark = rest.find('?'); mark != std::string_view::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }
  std::string_view hosts = rest;
  std::string_view topic;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    hosts = rest.substr(0, slash);
    topic = rest.substr(slash + 1);
  }

  KafkaOptions options;
  if (hosts.empty()) return UrlError("no broker: expected kafka://host:port[,host:port...]");
  for (std::string_view broker : Split(hosts, ',')) UM_RETURN_IF_ERROR(CheckBroker(broker));
  options.brokers = std::string(hosts);
  if (!topic.empty()) {
    UM_RETURN_IF_ERROR(CheckTopic(topic));
    options.topic = std::string(topic);
  }
  if (query.empty()) return options;

  std::vector<std::string> seen;
  for (std::string_view parameter : Split(query, '&')) {
    size_t equals = parameter.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      return UrlError(
          fmt::format("query parameter '{}' must be name=value", parameter.substr(0, equals)));
    }
    UM_ASSIGN_OR_RETURN(std::string name,
                        PercentDecode(parameter.substr(0, equals), "a query parameter name"));
    UM_ASSIGN_OR_RETURN(std::string value, PercentDecode(parameter.substr(equals + 1),
                                                         fmt::format("the value of '{}'", name)));
    for (const std::string& other : seen) {
      if (other == name) return UrlError(fmt::format("query parameter '{}' given twice", name));
    }
    seen.push_back(name);
    if (name == "partitions") {
      int32_t partitions = 0;
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), partitions);
      if (value.empty() || error != std::errc() || end != value.data() + value.size() ||
          partitions < 1 || partitions > kMaxPartitions) {
        return UrlError(fmt::format("partitions='{}' is not a number 1-{}", value, kMaxPartitions));
      }
      options.partitions = partitions;
    } else if (name == "group") {
      if (value.empty()) return UrlError("group= must not be empty");
      options.group = std::move(value);
    } else {
      UM_RETURN_IF_ERROR(CheckProperty(name, value));
      options.properties.emplace_back(std::move(name), std::move(value));
    }
  }
  return options;
}

}  // namespace unmogrowp
