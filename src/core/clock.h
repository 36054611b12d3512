#pragma once

// Clock: the source of "now" for everything that stamps or checks time, so
// tests can inject a fixed or stepping clock (Envoy style) instead of the wall
// clock. Implementations must be thread-safe.

#include <atomic>
#include <cstdint>

namespace unmogrowp {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch, UTC.
  virtual int64_t NowMs() const = 0;
  // Monotonic nanoseconds for measuring durations.
  virtual int64_t MonotonicNs() const = 0;
};

// The real clock. Stateless; one shared instance is fine.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t MonotonicNs() const override;
  static const SystemClock& Instance();
};

// A clock that only moves when told to. For tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  int64_t MonotonicNs() const override { return now_ms_.load() * 1'000'000; }
  void SetMs(int64_t now_ms) { now_ms_.store(now_ms); }
  void AdvanceMs(int64_t delta_ms) { now_ms_.fetch_add(delta_ms); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace unmogrowp
