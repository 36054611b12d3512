#include "pipeline/partition_workers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "analytics/state_report_data.h"
#include "attribution/install_match.h"
#include "core/scoped_temp_dir_for_test.h"
#include "log/kafka_event_log.h"
#include "log/kafka_mock_cluster.h"
#include "log/kafka_partition_log.h"
#include "pipeline/partition_routing.h"
#include "pipeline/pipeline_test_util.h"
#include "pipeline/state_mirror.h"

namespace unmogrowp {
namespace {

using namespace testing_util;
using namespace std::chrono_literals;

constexpr int32_t kPartitions = 4;

// Polls `done` until it holds or 60 s pass (group joins take seconds).
template <typename Fn>
bool Eventually(Fn done) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class PartitionWorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KafkaMockCluster::Options mock;
    mock.partitions = kPartitions;
    auto cluster = KafkaMockCluster::Start(mock);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
    kafka_.brokers = cluster_->bootstrap_servers();
    kafka_.partitions = kPartitions;
    KafkaEventLog::Options log;
    log.kafka = kafka_;
    log.route = RouteToKafka;
    auto opened = KafkaEventLog::Open(log);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    log_ = std::move(*opened);
    for (int32_t p = 0; p < kPartitions; ++p) {
      KafkaPartitionLog::Options options;
      options.kafka = kafka_;
      options.partition = p;
      auto reader = KafkaPartitionLog::Open(options);
      ASSERT_TRUE(reader.ok()) << reader.status().ToString();
      ends_.push_back(std::move(*reader));
    }
  }

  void Append(const std::vector<Event>& events) {
    EncodedBatch batch;
    for (const Event& e : events) {
      AppendEncoded(AsView(e), &batch.bytes);
      batch.EndEvent();
    }
    Result<uint64_t> appended = AppendDurably(*log_, std::move(batch));
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  }

  std::unique_ptr<PartitionWorkers> StartWorker(
      const std::string& dir,
      std::function<Result<std::unique_ptr<StateMirror>>(int32_t)> make_mirror = nullptr) {
    PartitionWorkers::Options options;
    options.make_mirror = std::move(make_mirror);
    options.kafka = kafka_;
    options.state_dir = dir;
    options.pipeline.settings = [](std::string_view app) -> Result<AppSettings> {
      if (app != kApp) return Status::NotFound("no app");
      return AppSettings();
    };
    options.pipeline.catch_up_delay = 0ms;
    options.pipeline.poll_interval = 10ms;
    options.pipeline.nice = 0;
    options.pipeline.retry_interval = 50ms;
    auto started = PartitionWorkers::Start(std::move(options));
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    return started.ok() ? std::move(*started) : nullptr;
  }

  // True once the workers together own every partition and have processed
  // each to its end.
  bool CaughtUp(const std::vector<PartitionWorkers*>& workers) {
    std::map<int32_t, uint64_t> committed;
    for (PartitionWorkers* w : workers) {
      for (const PartitionWorkers::Progress& p : w->progress())
        committed[p.partition] = p.committed;
    }
    if (committed.size() != static_cast<size_t>(kPartitions)) return false;
    for (int32_t p = 0; p < kPartitions; ++p) {
      if (committed[p] != ends_[p]->DurableEndOffset()) return false;
    }
    return true;
  }

  // Each device: an impression, an install and a purchase; every fourth
  // device's install is preceded by a web click (no device id) with its IP
  // and user agent, which wins it probabilistically wherever it lives.
  std::vector<Event> Devices(int from, int to) {
    std::vector<Event> events;
    for (int d = from; d < to; ++d) {
      std::string device = "device-" + std::to_string(d);
      int64_t t = kT0 + d * 1000;
      std::string ip = "10.0." + std::to_string(d / 250) + "." + std::to_string(d % 250);
      if (d % 4 == 0) {
        Event web = MakeEvent("web-" + std::to_string(d), "click", t, "");
        web.source = "web";
        web.ip = ip;
        web.user_agent = "UA";
        events.push_back(web);
      } else {
        Event impression = MakeEvent("imp-" + std::to_string(d), "impression", t, device);
        impression.source = "banner";
        events.push_back(impression);
      }
      Event install = MakeEvent("ins-" + std::to_string(d), "install", t + kHour, device);
      install.ip = ip;
      install.user_agent = "UA";
      events.push_back(install);
      Event purchase = MakeEvent("buy-" + std::to_string(d), "purchase", t + 2 * kHour, device);
      purchase.revenue = 1.5;
      events.push_back(purchase);
    }
    return events;
  }

  ScopedTempDir dir_;
  std::unique_ptr<KafkaMockCluster> cluster_;
  KafkaOptions kafka_;
  std::unique_ptr<KafkaEventLog> log_;
  std::vector<std::unique_ptr<KafkaPartitionLog>> ends_;
};

TEST_F(PartitionWorkersTest, TwoWorkersSplitThePartitionsAndOneTakesOverWithNothingLostOrDoubled) {
  std::vector<Event> first = Devices(0, 40);
  Append(first);
  Append({first[1], first[5], first[9]});  // re-sent: counted once

  auto a = StartWorker(dir_.File("a"));
  auto b = StartWorker(dir_.File("b"));
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Eventually([&] { return CaughtUp({a.get(), b.get()}); }));
  EXPECT_FALSE(a->owned().empty());
  EXPECT_FALSE(b->owned().empty());
  EXPECT_EQ(a->stats().applied + b->stats().applied, first.size());
  EXPECT_EQ(a->stats().duplicates + b->stats().duplicates, 3u);
  // 10 web clicks, each copied to the 3 partitions that do not own it.
  EXPECT_EQ(a->stats().index_copies + b->stats().index_copies, 30u);
  EXPECT_TRUE(a->health().ok());

  // A leaves: B gets its partitions, rebuilds them from offset 0 in its own
  // state, and goes on with new events.
  a->Stop();
  std::vector<Event> second = Devices(40, 60);
  Append(second);
  ASSERT_TRUE(Eventually([&] { return b->owned().size() == kPartitions && CaughtUp({b.get()}); }));
  EXPECT_EQ(b->stats().applied, first.size() + second.size());
  EXPECT_TRUE(b->health().ok()) << b->health().ToString();
  b->Stop();

  // Every device's install, read back from the partition that owns it.
  std::map<std::string, store::DeviceInstall> installs;
  for (int32_t p = 0; p < kPartitions; ++p) {
    auto store = store::StateStore::Open({.dir = dir_.File("b") + "/p" + std::to_string(p)});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    analytics::StateReportData data(store->get());
    for (int d = 0; d < 60; ++d) {
      std::string device = "device-" + std::to_string(d);
      auto install = data.DeviceInstall(kApp, device);
      ASSERT_TRUE(install.ok());
      if (*install) {
        EXPECT_EQ(installs.count(device), 0u) << device << " installed in two partitions";
        installs[device] = **install;
      }
    }
  }
  ASSERT_EQ(installs.size(), 60u);
  for (int d = 0; d < 60; ++d) {
    const store::DeviceInstall& install = installs["device-" + std::to_string(d)];
    if (d % 4 == 0) {
      EXPECT_EQ(install.match, static_cast<uint8_t>(MatchType::kProbabilistic)) << d;
      EXPECT_EQ(install.source, "web");
      EXPECT_EQ(install.touch_event_id, "web-" + std::to_string(d));
    } else {
      EXPECT_EQ(install.match, static_cast<uint8_t>(MatchType::kDeterministic)) << d;
      EXPECT_EQ(install.source, "banner");
    }
  }
}

// Takes every write; counts them.
class CountingMirror : public StateMirror {
 public:
  explicit CountingMirror(std::atomic<uint64_t>* writes) : writes_(writes) {}
  uint32_t tables() const override { return 1u << static_cast<int>(store::Table::kEventsByTime); }
  Status Write(const std::vector<store::StoreWrite>& writes, uint64_t) override {
    *writes_ += writes.size();
    return Status::OK();
  }

 private:
  std::atomic<uint64_t>* writes_;
};

TEST_F(PartitionWorkersTest, APartitionThatCannotStartIsRetriedWhileOwned) {
  std::vector<Event> events = Devices(0, 20);
  Append(events);
  // The mirror (ClickHouse, say) cannot be reached for the first 5 tries.
  std::atomic<int> attempts{0};
  std::atomic<uint64_t> mirrored{0};
  auto worker = StartWorker(dir_.File("w"), [&](int32_t) -> Result<std::unique_ptr<StateMirror>> {
    if (attempts.fetch_add(1) < 5) return Status::Unavailable("clickhouse: connection refused");
    return std::unique_ptr<StateMirror>(new CountingMirror(&mirrored));
  });
  ASSERT_TRUE(worker);
  ASSERT_TRUE(Eventually([&] { return !worker->health().ok(); }));
  EXPECT_EQ(worker->health().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(Eventually([&] { return CaughtUp({worker.get()}); }));
  EXPECT_TRUE(worker->health().ok()) << worker->health().ToString();
  EXPECT_EQ(worker->stats().applied, events.size());
  EXPECT_EQ(mirrored.load(), events.size());  // every event's row, once per commit
  worker->Stop();
}

}  // namespace
}  // namespace unmogrowp
