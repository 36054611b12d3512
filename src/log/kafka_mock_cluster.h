#pragma once

// KafkaMockCluster: an in-process Kafka cluster (librdkafka's mock brokers)
// with the event topic created -- for tests and the `kafka-mock` dev
// command, since no real broker is installable here. Its brokers listen on
// 127.0.0.1 at ephemeral ports; any client, in this process or another,
// connects through bootstrap_servers() like to a real cluster (producing,
// idempotence, fetching, consumer groups with offset commits). Data lives in
// memory and is gone when the object is destroyed.
//
// Broker ids are 1..brokers. Partition leaders are spread over the brokers
// (SetPartitionLeader picks one). The mock never moves a leader: while a
// broker is down (SetBrokerDown) its partitions cannot be written or read,
// which is how tests make deliveries wait. librdkafka 2.0.2's mock sometimes
// takes ~1 s to carry out a call (and to shut down), so tests share one.
//
// Thread-safety: every method may be called from any thread. Clients of the
// cluster must be destroyed (or stop needing it) before it is.

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "core/status.h"
#include "log/kafka_client.h"

namespace unmogrowp {

class KafkaMockCluster {
 public:
  struct Options {
    // Brokers in the cluster (ids 1..brokers). Default 3.
    int32_t brokers = 3;
    // Topic created at start, with `partitions` partitions, replicated on
    // min(3, brokers) brokers. Empty: none.
    std::string topic = "events-raw";
    int32_t partitions = 4;
  };

  static Result<std::unique_ptr<KafkaMockCluster>> Start(Options options);
  ~KafkaMockCluster();

  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  // "127.0.0.1:port,..." -- the bootstrap.servers (KafkaOptions::brokers)
  // of any client of the cluster.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

  // Another topic (InvalidArgument for partitions < 1 or a bad name).
  Status CreateTopic(const std::string& topic, int32_t partitions);

  // Makes `broker_id` the leader of one partition (created if missing).
  Status SetPartitionLeader(const std::string& topic, int32_t partition, int32_t broker_id);

  // Disconnects the broker's clients and refuses new connections / accepts
  // them again. NotFound for an unknown id.
  Status SetBrokerDown(int32_t broker_id);
  Status SetBrokerUp(int32_t broker_id);

  // The underlying mock, for librdkafka's fault injection
  // (rd_kafka_mock_push_request_errors, rd_kafka_mock_broker_set_rtt, ...).
  rd_kafka_mock_cluster_t* mock() const { return cluster_; }

 private:
  KafkaMockCluster(Options options, KafkaHandle owner, rd_kafka_mock_cluster_t* cluster);
  Status CheckBroker(int32_t broker_id) const;

  const Options options_;
  KafkaHandle owner_;  // the handle librdkafka keeps the mock's bookkeeping on
  rd_kafka_mock_cluster_t* cluster_;
  std::string bootstrap_servers_;
};

}  // namespace unmogrowp
