#include "api/live_counter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace unmogrowp::api {
namespace {

constexpr int64_t kSecond = 1'000'000;  // unix seconds: 1970-01-12, any value works

int64_t Ms(int64_t second, int64_t ms = 0) { return second * 1000 + ms; }

TEST(LiveCounterTest, UnknownAppReadsZerosEndingWithTheLastCompleteSecond) {
  ManualClock clock(Ms(kSecond, 250));
  LiveCounter counter(&clock);
  LiveCounter::Window w = counter.Read("app_a", 60);
  EXPECT_EQ(w.now_ms, Ms(kSecond, 250));
  EXPECT_EQ(w.last_second, kSecond - 1);
  EXPECT_EQ(w.events, std::vector<uint64_t>(60, 0));
  EXPECT_EQ(w.total, 0u);
}

TEST(LiveCounterTest, ASecondShowsOnceCompleteAndBatchesInItAddUp) {
  ManualClock clock(Ms(kSecond, 100));
  LiveCounter counter(&clock);
  counter.Add("app_a", 10);
  clock.SetMs(Ms(kSecond, 999));
  counter.Add("app_a", 5);

  // Still in progress: not in the window, already in the total.
  LiveCounter::Window w = counter.Read("app_a", 3);
  EXPECT_EQ(w.events, (std::vector<uint64_t>{0, 0, 0}));
  EXPECT_EQ(w.total, 15u);

  clock.SetMs(Ms(kSecond + 1));
  counter.Add("app_a", 7);
  w = counter.Read("app_a", 3);
  EXPECT_EQ(w.last_second, kSecond);
  EXPECT_EQ(w.events, (std::vector<uint64_t>{0, 0, 15}));
  EXPECT_EQ(w.total, 22u);

  clock.SetMs(Ms(kSecond + 3, 500));
  w = counter.Read("app_a", 3);
  EXPECT_EQ(w.last_second, kSecond + 2);
  EXPECT_EQ(w.events, (std::vector<uint64_t>{15, 7, 0}));
}

TEST(LiveCounterTest, AppsAreCountedApart) {
  ManualClock clock(Ms(kSecond));
  LiveCounter counter(&clock);
  counter.Add("app_a", 4);
  counter.Add("app_b", 9);
  clock.AdvanceMs(1000);
  EXPECT_EQ(counter.Read("app_a", 1).events, std::vector<uint64_t>{4});
  EXPECT_EQ(counter.Read("app_b", 1).events, std::vector<uint64_t>{9});
  EXPECT_EQ(counter.Read("app_b", 1).total, 9u);
  EXPECT_EQ(counter.Read("app_c", 1).events, std::vector<uint64_t>{0});
}

TEST(LiveCounterTest, ForgetDropsOneAppsCounts) {
  ManualClock clock(Ms(kSecond));
  LiveCounter counter(&clock);
  counter.Add("app_a", 4);
  counter.Add("app_b", 9);
  clock.AdvanceMs(1000);
  counter.Forget("app_a");
  counter.Forget("app_unknown");
  EXPECT_EQ(counter.Read("app_a", 1).events, std::vector<uint64_t>{0});
  EXPECT_EQ(counter.Read("app_a", 1).total, 0u);
  EXPECT_EQ(counter.Read("app_b", 1).events, std::vector<uint64_t>{9});
  EXPECT_EQ(counter.Read("app_b", 1).total, 9u);
}

TEST(LiveCounterTest, KeepsExactlyTheLastMaxSecondsAsTheRingWraps) {
  ManualClock clock(Ms(kSecond));
  LiveCounter counter(&clock);
  counter.Add("app_a", 1);
  clock.SetMs(Ms(kSecond + 1));
  counter.Add("app_a", 2);

  // Now = kSecond + 300: the oldest second of the full window is kSecond.
  clock.SetMs(Ms(kSecond + LiveCounter::kMaxSeconds));
  counter.Add("app_a", 100);  // the second in progress, sharing no slot with kSecond
  LiveCounter::Window w = counter.Read("app_a", LiveCounter::kMaxSeconds);
  ASSERT_EQ(w.events.size(), static_cast<size_t>(LiveCounter::kMaxSeconds));
  EXPECT_EQ(w.events.front(), 1u);
  EXPECT_EQ(w.events[1], 2u);
  EXPECT_EQ(w.events.back(), 0u);

  // One second on, kSecond is out of the window and its slot is reused.
  clock.AdvanceMs(1000);
  counter.Add("app_a", 1000);
  w = counter.Read("app_a", LiveCounter::kMaxSeconds);
  EXPECT_EQ(w.events.front(), 2u);
  EXPECT_EQ(w.events.back(), 100u);
  uint64_t sum = 0;
  for (uint64_t n : w.events) sum += n;
  EXPECT_EQ(sum, 102u);
  EXPECT_EQ(w.total, 1103u);

  // Long idle: everything has aged out but the total.
  clock.AdvanceMs(1000 * 1000);
  w = counter.Read("app_a", LiveCounter::kMaxSeconds);
  EXPECT_EQ(w.events, std::vector<uint64_t>(LiveCounter::kMaxSeconds, 0));
  EXPECT_EQ(w.total, 1103u);
}

TEST(LiveCounterTest, ClockSteppingFarBackKeepsTheLaterSecond) {
  ManualClock clock(Ms(kSecond + 400));
  LiveCounter counter(&clock);
  counter.Add("app_a", 8);
  // 301 seconds back: the same ring slot as the later second, which wins.
  clock.SetMs(Ms(kSecond + 400 - 301));
  counter.Add("app_a", 3);
  clock.SetMs(Ms(kSecond + 401));
  LiveCounter::Window w = counter.Read("app_a", 1);
  EXPECT_EQ(w.events, std::vector<uint64_t>{8});
  EXPECT_EQ(w.total, 11u);
}

TEST(LiveCounterTest, SecondsAreClampedToTheWindow) {
  ManualClock clock(Ms(kSecond));
  LiveCounter counter(&clock);
  EXPECT_EQ(counter.Read("app_a", 0).events.size(), 1u);
  EXPECT_EQ(counter.Read("app_a", 10'000).events.size(),
            static_cast<size_t>(LiveCounter::kMaxSeconds));
}

TEST(LiveCounterTest, ConcurrentAddsAreAllCounted) {
  ManualClock clock(Ms(kSecond));
  LiveCounter counter(&clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&counter, t] {
      for (int i = 0; i < 10'000; ++i) counter.Add(t % 2 == 0 ? "app_a" : "app_b", 3);
    });
  }
  for (std::thread& t : threads) t.join();
  clock.AdvanceMs(1000);
  EXPECT_EQ(counter.Read("app_a", 1).events, std::vector<uint64_t>{60'000});
  EXPECT_EQ(counter.Read("app_b", 1).total, 60'000u);
}

}  // namespace
}  // namespace unmogrowp::api
