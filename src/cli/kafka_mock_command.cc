#include "cli/kafka_mock_command.h"

#include <fmt/format.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "log/kafka_mock_cluster.h"

namespace unmogrowp {

namespace {

struct KafkaMockFlags {
  int brokers = 3;
  std::string topic = "events-raw";
  int partitions = 4;
  std::string url_file;
};

int RunKafkaMock(const KafkaMockFlags& flags) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  KafkaMockCluster::Options options;
  options.brokers = flags.brokers;
  options.topic = flags.topic;
  options.partitions = flags.partitions;
  Result<std::unique_ptr<KafkaMockCluster>> cluster = KafkaMockCluster::Start(options);
  if (!cluster.ok()) {
    fmt::print(stderr, "unmogrowp kafka-mock: {}\n", cluster.status().ToString());
    return 1;
  }
  std::string url = fmt::format("kafka://{}/{}", (*cluster)->bootstrap_servers(), flags.topic);
  if (!flags.url_file.empty()) {
    // Written whole, then renamed: a reader never sees half a URL.
    std::string tmp = flags.url_file + ".tmp";
    {
      std::ofstream out(tmp);
      out << url << "\n";
      if (!out) {
        fmt::print(stderr, "unmogrowp kafka-mock: cannot write {}\n", tmp);
        return 1;
      }
    }
    if (std::rename(tmp.c_str(), flags.url_file.c_str()) != 0) {
      fmt::print(stderr, "unmogrowp kafka-mock: cannot write {}\n", flags.url_file);
      return 1;
    }
  }
  fmt::print("mock Kafka cluster: {} brokers, topic {} with {} partitions\n{}\n", flags.brokers,
             flags.topic, flags.partitions, url);
  std::fflush(stdout);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return 0;
}

}  // namespace

void AddKafkaMockCommand(CLI::App& app) {
  auto flags = std::make_shared<KafkaMockFlags>();
  CLI::App* cmd = app.add_subcommand(
      "kafka-mock",
      "Run an in-memory mock Kafka cluster (librdkafka's) on 127.0.0.1 for development and "
      "tests; prints the kafka:// URL for serve --log");
  cmd->add_option("--brokers", flags->brokers, "Mock brokers")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  cmd->add_option("--topic", flags->topic, "Topic to create")->capture_default_str();
  cmd->add_option("--partitions", flags->partitions, "Partitions of the topic")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--url-file", flags->url_file,
                  "Also write the kafka:// URL to this file once the cluster is up");
  cmd->callback([flags] {
    int code = RunKafkaMock(*flags);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace unmogrowp
