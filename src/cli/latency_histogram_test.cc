#include "cli/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace unmogrowp {
namespace {

// The nearest-rank percentile of sorted values, as LatencyHistogram defines it.
uint64_t Reference(const std::vector<uint64_t>& sorted, double p) {
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void ExpectClose(uint64_t got, uint64_t want, double p) {
  double error = std::abs(static_cast<double>(got) - static_cast<double>(want));
  EXPECT_LE(error, std::max(0.0, static_cast<double>(want) / 256.0))
      << "p" << p << ": got " << got << ", want " << want;
}

TEST(LatencyHistogramTest, PercentilesMatchASortedReference) {
  std::mt19937_64 rng(1);
  // Latencies in ns, log-normal around 1 ms with a heavy tail, plus a few
  // tiny and huge values.
  std::lognormal_distribution<double> dist(std::log(1e6), 1.5);
  std::vector<uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{60'000'000'000}}) {
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  ASSERT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), values.back());
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    ExpectClose(h.Percentile(p), Reference(values, p), p);
  }
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 200; ++v) h.Record(v);
  EXPECT_EQ(h.Percentile(50), 100u);
  EXPECT_EQ(h.Percentile(99), 198u);
  EXPECT_EQ(h.Percentile(100), 200u);
}

TEST(LatencyHistogramTest, EveryMagnitudeWithinTheBound) {
  for (int shift = 0; shift < 63; ++shift) {
    for (uint64_t v : {uint64_t{1} << shift, (uint64_t{1} << shift) + (uint64_t{1} << shift) / 3,
                       (uint64_t{1} << (shift + 1)) - 1}) {
      LatencyHistogram h;
      h.Record(v);
      h.Record(v + 1);  // so min/max clamping does not hide the bucket's value
      h.Record(v / 2);
      ExpectClose(h.Percentile(66), v, 66);
    }
  }
}

TEST(LatencyHistogramTest, MergeAddsCounts) {
  LatencyHistogram a, b, both;
  for (uint64_t v = 1000; v < 2000; ++v) {
    (v % 2 ? a : b).Record(v * 997);
    both.Record(v * 997);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), both.count());
  EXPECT_EQ(a.max(), both.max());
  for (double p : {50.0, 90.0, 99.0}) EXPECT_EQ(a.Percentile(p), both.Percentile(p));
  LatencyHistogram empty;
  EXPECT_EQ(empty.Percentile(99), 0u);
  EXPECT_EQ(empty.max(), 0u);
}

}  // namespace
}  // namespace unmogrowp
