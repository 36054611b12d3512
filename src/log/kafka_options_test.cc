#include "log/kafka_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace unmogrowp {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;

TEST(ParseKafkaUrlTest, ReadsEveryPart) {
  Result<KafkaOptions> options = ParseKafkaUrl(
      "kafka://k1:9092,k2:9093,[::1]:9094/ingest.v2?partitions=12&group=workers&"
      "message.timeout.ms=5000&sasl.password=a%26b%3Dc");
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->brokers, "k1:9092,k2:9093,[::1]:9094");
  EXPECT_EQ(options->topic, "ingest.v2");
  EXPECT_EQ(options->partitions, 12);
  EXPECT_EQ(options->group, "workers");
  EXPECT_THAT(options->properties, ::testing::ElementsAre(Pair("message.timeout.ms", "5000"),
                                                          Pair("sasl.password", "a&b=c")));
}

TEST(ParseKafkaUrlTest, TopicAndQueryAreOptional) {
  for (const char* url : {"kafka://localhost:9092", "kafka://localhost:9092/"}) {
    Result<KafkaOptions> options = ParseKafkaUrl(url);
    ASSERT_TRUE(options.ok()) << url << ": " << options.status().ToString();
    EXPECT_EQ(options->brokers, "localhost:9092");
    EXPECT_EQ(options->topic, "events-raw");
    EXPECT_EQ(options->partitions, 4);
    EXPECT_EQ(options->group, "unmogrowp-pipeline");
    EXPECT_TRUE(options->properties.empty());
  }
  Result<KafkaOptions> query_only = ParseKafkaUrl("kafka://h:1?partitions=2");
  ASSERT_TRUE(query_only.ok()) << query_only.status().ToString();
  EXPECT_EQ(query_only->topic, "events-raw");
  EXPECT_EQ(query_only->partitions, 2);
}

// Each bad URL fails with InvalidArgument whose message names the bad part.
TEST(ParseKafkaUrlTest, NamesTheBadPart) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://h:9092", "kafka://"},
      {"kafka://", "no broker"},
      {"kafka:///topic", "no broker"},
      {"kafka://h:9092,,h2:9092", "empty broker"},
      {"kafka://h", "broker 'h' must be host:port"},
      {"kafka://h:", "port ''"},
      {"kafka://h:abc", "port 'abc'"},
      {"kafka://h:70000", "port '70000'"},
      {"kafka://::1:9092", "IPv6"},
      {"kafka://h:1/bad/topic", "topic 'bad/topic'"},
      {"kafka://h:1/..", "topic '..'"},
      {"kafka://h:1/t?partitions=0", "partitions='0'"},
      {"kafka://h:1/t?partitions=four", "partitions='four'"},
      {"kafka://h:1/t?group=", "group="},
      {"kafka://h:1/t?novalue", "'novalue' must be name=value"},
      {"kafka://h:1/t?=x", "must be name=value"},
      {"kafka://h:1/t?no.such.property=1", "'no.such.property' is not a librdkafka"},
      {"kafka://h:1/t?message.timeout.ms=soon", "invalid value for property 'message.timeout.ms'"},
      {"kafka://h:1/t?bootstrap.servers=x:1", "host list"},
      {"kafka://h:1/t?group.id=g", "group="},
      {"kafka://h:1/t?group=a&group=b", "'group' given twice"},
      {"kafka://h:1/t?sasl.password=%zz", "bad %-escape"},
  };
  for (const auto& [url, expected] : cases) {
    Result<KafkaOptions> options = ParseKafkaUrl(url);
    ASSERT_FALSE(options.ok()) << url;
    EXPECT_EQ(options.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(options.status().message(), HasSubstr(expected)) << url;
  }
}

TEST(ParseKafkaUrlTest, NeverEchoesPropertyValues) {
  Result<KafkaOptions> options = ParseKafkaUrl("kafka://h:1/t?acks=s3cret-value");
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), ::testing::Not(HasSubstr("s3cret")));
}

}  // namespace
}  // namespace unmogrowp
