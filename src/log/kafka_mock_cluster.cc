#include "log/kafka_mock_cluster.h"

#include <fmt/format.h>

#include <algorithm>

namespace unmogrowp {

namespace {

Status MockStatus(rd_kafka_resp_err_t error, std::string_view what) {
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();
  return Status::InvalidArgument("kafka_mock",
                                 fmt::format("kafka mock: {}: {}", what, KafkaErrorText(error)));
}

}  // namespace

Result<std::unique_ptr<KafkaMockCluster>> KafkaMockCluster::Start(Options options) {
  if (options.brokers < 1) {
    return Status::InvalidArgument("brokers", "kafka mock: brokers must be at least 1");
  }
  // The mock needs a client handle for its bookkeeping; this one never
  // connects anywhere (no bootstrap.servers), so it is built by hand.
  KafkaConf conf(rd_kafka_conf_new());
  UM_RETURN_IF_ERROR(SetKafkaProperty(conf.get(), "client.id", "unmogrowp-kafka-mock"));
  // Without bootstrap.servers librdkafka warns at creation; nothing to say.
  UM_RETURN_IF_ERROR(SetKafkaProperty(conf.get(), "log_level", "3"));
  UM_ASSIGN_OR_RETURN(KafkaHandle owner, NewKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(owner.get(), options.brokers);
  if (cluster == nullptr) {
    return Status::Unavailable("kafka mock: cannot start the mock brokers");
  }
  std::unique_ptr<KafkaMockCluster> mock(
      new KafkaMockCluster(std::move(options), std::move(owner), cluster));
  if (!mock->options_.topic.empty()) {
    UM_RETURN_IF_ERROR(mock->CreateTopic(mock->options_.topic, mock->options_.partitions));
  }
  return mock;
}

KafkaMockCluster::KafkaMockCluster(Options options, KafkaHandle owner,
                                   rd_kafka_mock_cluster_t* cluster)
    : options_(std::move(options)),
      owner_(std::move(owner)),
      cluster_(cluster),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(cluster)) {}

KafkaMockCluster::~KafkaMockCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);  // before the handle it lives on
}

Status KafkaMockCluster::CreateTopic(const std::string& topic, int32_t partitions) {
  if (partitions < 1) {
    return Status::InvalidArgument("partitions", "kafka mock: partitions must be at least 1");
  }
  int replication = std::min(options_.brokers, 3);
  return MockStatus(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication),
                    fmt::format("creating topic '{}'", topic));
}

Status KafkaMockCluster::SetPartitionLeader(const std::string& topic, int32_t partition,
                                            int32_t broker_id) {
  UM_RETURN_IF_ERROR(CheckBroker(broker_id));
  return MockStatus(
      rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition, broker_id),
      fmt::format("setting the leader of '{}' partition {}", topic, partition));
}

Status KafkaMockCluster::SetBrokerDown(int32_t broker_id) {
  UM_RETURN_IF_ERROR(CheckBroker(broker_id));
  return MockStatus(rd_kafka_mock_broker_set_down(cluster_, broker_id),
                    fmt::format("stopping broker {}", broker_id));
}

Status KafkaMockCluster::SetBrokerUp(int32_t broker_id) {
  UM_RETURN_IF_ERROR(CheckBroker(broker_id));
  return MockStatus(rd_kafka_mock_broker_set_up(cluster_, broker_id),
                    fmt::format("starting broker {}", broker_id));
}

Status KafkaMockCluster::CheckBroker(int32_t broker_id) const {
  if (broker_id < 1 || broker_id > options_.brokers) {
    return Status::NotFound(
        fmt::format("kafka mock: no broker {} (ids are 1..{})", broker_id, options_.brokers));
  }
  return Status::OK();
}

}  // namespace unmogrowp
