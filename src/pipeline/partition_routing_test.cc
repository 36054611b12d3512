#include "pipeline/partition_routing.h"

#include <gtest/gtest.h>

#include <set>

#include "event/log_payload.h"
#include "pipeline/pipeline_test_util.h"

namespace unmogrowp {
namespace {

using namespace testing_util;

std::vector<PartitionRoute> Routes(std::string_view payload, int32_t partitions) {
  std::vector<PartitionRoute> routes;
  Status s = RouteRecord(payload, partitions, &routes);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return routes;
}

TEST(PartitionRoutingTest, ADevicesEventsShareOnePartitionAndSpreadOverAll) {
  std::set<int32_t> used;
  for (int d = 0; d < 200; ++d) {
    std::string device = "device-" + std::to_string(d);
    Event install = MakeEvent("i" + std::to_string(d), "install", kT0, device);
    Event purchase = MakeEvent("p" + std::to_string(d), "purchase", kT0 + kHour, device);
    Event impression = MakeEvent("m" + std::to_string(d), "impression", kT0 - kHour, device);
    auto a = Routes(Encode(install), 4);
    auto b = Routes(Encode(purchase), 4);
    auto c = Routes(Encode(impression), 4);
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(a[0].partition, b[0].partition);
    EXPECT_EQ(a[0].partition, c[0].partition);
    EXPECT_EQ(a[0].key, b[0].key);
    EXPECT_FALSE(a[0].index_copy);
    used.insert(a[0].partition);
  }
  EXPECT_EQ(used, (std::set<int32_t>{0, 1, 2, 3}));
}

TEST(PartitionRoutingTest, AClickWithIpAndUserAgentIsCopiedToEveryOtherPartition) {
  Event click = MakeEvent("c1", "click", kT0, "dev-1");
  click.ip = "203.0.113.7";
  click.user_agent = "UA/1";
  auto routes = Routes(Encode(click), 4);
  ASSERT_EQ(routes.size(), 4u);
  EXPECT_FALSE(routes[0].index_copy);
  EXPECT_EQ(routes[0].partition,
            Routes(Encode(MakeEvent("i1", "install", kT0, "dev-1")), 4)[0].partition);
  std::set<int32_t> partitions;
  for (const auto& r : routes) partitions.insert(r.partition);
  EXPECT_EQ(partitions.size(), 4u);
  for (size_t i = 1; i < routes.size(); ++i) EXPECT_TRUE(routes[i].index_copy);

  // Impressions never match probabilistically; a click without a user agent cannot.
  Event impression = click;
  impression.event_type = "impression";
  EXPECT_EQ(Routes(Encode(impression), 4).size(), 1u);
  Event no_ua = click;
  no_ua.user_agent = "";
  EXPECT_EQ(Routes(Encode(no_ua), 4).size(), 1u);
  // One partition: nothing to copy.
  EXPECT_EQ(Routes(Encode(click), 1).size(), 1u);
}

TEST(PartitionRoutingTest, AWebClickIsOwnedByItsIpAndUserAgent) {
  Event a = MakeEvent("w1", "click", kT0, "");
  a.ip = "198.51.100.9";
  a.user_agent = "UA/2";
  Event b = a;
  b.event_id = "w2";
  auto ra = Routes(Encode(a), 8);
  auto rb = Routes(Encode(b), 8);
  ASSERT_EQ(ra.size(), 8u);
  EXPECT_EQ(ra[0].partition, rb[0].partition);
  EXPECT_EQ(ra[0].key, rb[0].key);
}

TEST(PartitionRoutingTest, ErasuresFollowTheDeviceAndAppDeletionsGoEverywhere) {
  std::string erasure;
  AppendErasure(ErasureRecord{kApp, "dev-7", 1}, &erasure);
  auto routes = Routes(erasure, 4);
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].partition,
            Routes(Encode(MakeEvent("i", "install", kT0, "dev-7")), 4)[0].partition);

  std::string deletion;
  AppendAppDeletion(AppDeletionRecord{kApp, 1}, &deletion);
  routes = Routes(deletion, 4);
  ASSERT_EQ(routes.size(), 4u);
  for (int32_t p = 0; p < 4; ++p) EXPECT_EQ(routes[p].partition, p);
}

TEST(PartitionRoutingTest, RejectsWhatIngestNeverWrites) {
  std::vector<PartitionRoute> routes;
  EXPECT_EQ(RouteRecord("", 4, &routes).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RouteRecord("\x7f", 4, &routes).code(), StatusCode::kInvalidArgument);
  std::string copy;
  AppendIndexCopy(Encode(MakeEvent("c", "click", kT0, "d")), &copy);
  EXPECT_EQ(RouteRecord(copy, 4, &routes).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RouteRecord(Encode(MakeEvent("c", "click", kT0, "d")), 0, &routes).code(),
            StatusCode::kInvalidArgument);
}

TEST(PartitionRoutingTest, PartitionsAreStable) {
  // Placement is persisted in every deployment's topic: these values, taken
  // from XXH3-64 when routing was written, must never change (devices would
  // move between partitions and lose their state).
  EXPECT_EQ(PartitionOfKey("app\x1f"
                           "d\x1f"
                           "device-1",
                           16),
            8);
  EXPECT_EQ(PartitionOfKey("app\x1f"
                           "d\x1f"
                           "device-2",
                           16),
            1);
  EXPECT_EQ(PartitionOfKey("", 7), 4);
  EXPECT_EQ(PartitionOfKey("x", 1000), 425);
}

}  // namespace
}  // namespace unmogrowp
