#pragma once

// LatencyHistogram: counts of latencies (any unsigned unit; the load
// generator records nanoseconds) in log-linear buckets, for percentiles with
// a bounded relative error -- the idea of HdrHistogram, which Debian does not
// package for C++ (and its C library, not packaged either, would be a new
// dependency for ~80 lines). Each power of two is split into 128 equal
// buckets, so a bucket is at most 1/128 of its lower bound wide; reporting the
// bucket's midpoint keeps the error at or below 1/256 (0.4%) of the value.
// Values below 256 are exact. Fixed size (58 KiB), no allocation on Record.
//
// Not thread-safe: one per thread, Merge them for totals.

#include <array>
#include <cstddef>
#include <cstdint>

namespace unmogrowp {

class LatencyHistogram {
 public:
  void Record(uint64_t value);
  void Merge(const LatencyHistogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  // Exact extremes; 0 when empty.
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }

  // The value at percentile `p` in [0, 100]: an estimate (within 1/256) of
  // the smallest recorded value v such that at least p% of the values are
  // <= v (the nearest-rank definition). 0 when empty.
  uint64_t Percentile(double p) const;

 private:
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;  // per power of two
  static constexpr size_t kBuckets = (64 - kSubBucketBits + 1) * kSubBuckets;

  static size_t BucketOf(uint64_t value);
  // The midpoint of the bucket's value range.
  static uint64_t ValueOf(size_t bucket);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace unmogrowp
