#pragma once

// `unmogrowp kafka-mock`: runs librdkafka's in-process mock Kafka cluster
// (log/kafka_mock_cluster.h) on loopback with the event topic created, prints
// the kafka:// URL for `serve --log`, and keeps it up until SIGINT/SIGTERM.
// For development and the scale-out tests on machines without a Kafka broker;
// the mock keeps everything in memory and loses it when it stops.

#include <CLI/CLI.hpp>

namespace unmogrowp {

void AddKafkaMockCommand(CLI::App& app);

}  // namespace unmogrowp
