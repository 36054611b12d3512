#include "cli/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace unmogrowp {

size_t LatencyHistogram::BucketOf(uint64_t value) {
  if (value < 2 * kSubBuckets) return static_cast<size_t>(value);
  // value in [2^e, 2^(e+1)) with e >= kSubBucketBits + 1: keep its top
  // kSubBucketBits + 1 bits.
  const int e = 63 - __builtin_clzll(value);
  const int shift = e - kSubBucketBits;
  return static_cast<size_t>(shift) * kSubBuckets + static_cast<size_t>(value >> shift);
}

uint64_t LatencyHistogram::ValueOf(size_t bucket) {
  if (bucket < 2 * kSubBuckets) return bucket;
  const uint64_t shift = bucket / kSubBuckets - 1;
  const uint64_t top = bucket - shift * kSubBuckets;  // in [kSubBuckets, 2 * kSubBuckets)
  const uint64_t lower = top << shift;
  return lower + ((uint64_t{1} << shift) - 1) / 2;
}

void LatencyHistogram::Record(uint64_t value) {
  ++counts_[BucketOf(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::Clear() { *this = LatencyHistogram(); }

uint64_t LatencyHistogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(ValueOf(i), min(), max_);
  }
  return max_;
}

}  // namespace unmogrowp
