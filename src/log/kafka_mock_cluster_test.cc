#include "log/kafka_mock_cluster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "log/kafka_client.h"
#include "log/kafka_test_util.h"

namespace unmogrowp {
namespace {

using testing::NewTopic;
using testing::WaitUntil;

std::unique_ptr<KafkaMockCluster> Start(KafkaMockCluster::Options options) {
  Result<std::unique_ptr<KafkaMockCluster>> cluster = KafkaMockCluster::Start(options);
  EXPECT_TRUE(cluster.ok()) << cluster.status().ToString();
  return cluster.ok() ? std::move(*cluster) : nullptr;
}

TEST(KafkaMockClusterTest, BrokersListenOnLoopback) {
  std::unique_ptr<KafkaMockCluster> cluster = Start({});
  ASSERT_NE(cluster, nullptr);
  std::string servers = cluster->bootstrap_servers();
  int brokers = 0;
  size_t begin = 0;
  while (begin <= servers.size()) {
    size_t end = servers.find(',', begin);
    if (end == std::string::npos) end = servers.size();
    EXPECT_EQ(servers.substr(begin, 10), "127.0.0.1:") << servers;
    ++brokers;
    begin = end + 1;
  }
  EXPECT_EQ(brokers, 3);  // the default
}

// Clients with handles of their own (as in another process) reach the
// cluster through bootstrap_servers() alone: a plain producer writes, a plain
// consumer reads it back.
TEST(KafkaMockClusterTest, IndependentClientsProduceAndConsume) {
  KafkaOptions options = NewTopic(2);
  const char* topic = options.topic.c_str();

  Result<KafkaConf> producer_conf = NewKafkaConf(options, {}, {});
  ASSERT_TRUE(producer_conf.ok());
  Result<KafkaHandle> producer = NewKafkaClient(RD_KAFKA_PRODUCER, std::move(*producer_conf));
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  ASSERT_EQ(rd_kafka_producev(producer->get(), RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(1),
                              RD_KAFKA_V_VALUE(const_cast<char*>("hello"), 5),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_flush(producer->get(), 10000), RD_KAFKA_RESP_ERR_NO_ERROR);

  Result<KafkaConf> consumer_conf = NewKafkaConf(options, {{"group.id", "g"}}, {});
  ASSERT_TRUE(consumer_conf.ok());
  Result<KafkaHandle> consumer = NewKafkaClient(RD_KAFKA_CONSUMER, std::move(*consumer_conf));
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  KafkaPartitionList assignment(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), topic, 1)->offset = 0;
  ASSERT_EQ(rd_kafka_assign(consumer->get(), assignment.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::string value;
  ASSERT_TRUE(WaitUntil([&] {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer->get(), 10);
    if (message == nullptr) return false;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      value.assign(static_cast<const char*>(message->payload), message->len);
    }
    rd_kafka_message_destroy(message);
    return !value.empty();
  }));
  EXPECT_EQ(value, "hello");
  rd_kafka_consumer_close(consumer->get());
}

TEST(KafkaMockClusterTest, RejectsUnknownBrokersAndEmptyTopics) {
  KafkaMockCluster::Options options;
  options.brokers = 2;
  std::unique_ptr<KafkaMockCluster> cluster = Start(options);
  ASSERT_NE(cluster, nullptr);
  EXPECT_EQ(cluster->SetBrokerDown(3).code(), StatusCode::kNotFound);
  EXPECT_EQ(cluster->SetBrokerUp(0).code(), StatusCode::kNotFound);
  EXPECT_EQ(cluster->CreateTopic("x", 0).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(cluster->SetBrokerDown(2).ok());
  EXPECT_TRUE(cluster->SetBrokerUp(2).ok());
  EXPECT_TRUE(cluster->CreateTopic("other", 2).ok());
}

}  // namespace
}  // namespace unmogrowp
