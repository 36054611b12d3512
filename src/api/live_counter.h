#pragma once

// LiveCounter: events accepted (acknowledged with a 202 after the covering
// fdatasync) per app per wall-clock second, over the last kMaxSeconds
// seconds, and per app since the server started -- in memory only, behind
// GET /v1/apps/{app_id}/live (api/live_handlers.h) and the dashboard's Live
// page. Nothing is persisted: a restart starts every count at zero.
//
// Cost on the ingest path: one clock read and one short mutex hold per
// acknowledged append (a whole batch is one Add), never per event.
//
// Thread-safe: every method may be called from any thread. `clock` is not
// owned and must outlive the counter.

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace unmogrowp::api {

class LiveCounter {
 public:
  // The longest window Read() answers.
  static constexpr int kMaxSeconds = 300;

  explicit LiveCounter(const Clock* clock) : clock_(clock) {}
  LiveCounter(const LiveCounter&) = delete;
  LiveCounter& operator=(const LiveCounter&) = delete;

  // `events` of `app_id` were accepted now.
  void Add(std::string_view app_id, uint64_t events);

  struct Window {
    int64_t now_ms = 0;
    // The last complete second (unix seconds): the one before now's.
    int64_t last_second = 0;
    // Events per second for the `seconds` seconds ending with last_second,
    // oldest first.
    std::vector<uint64_t> events;
    // Accepted since the counter was made.
    uint64_t total = 0;
  };

  // The last `seconds` (1..kMaxSeconds, clamped) complete seconds of
  // `app_id`; zeros for an app with nothing counted.
  Window Read(std::string_view app_id, int seconds) const;

  // Drops everything counted for `app_id` (the app was deleted).
  void Forget(std::string_view app_id);

 private:
  // One ring slot per second: seconds map to slots modulo kSlots, and a slot
  // whose `second` is not the one asked for counts zero. One slot more than
  // the window, so the second in progress never overwrites the oldest one
  // Read() can ask for.
  static constexpr int64_t kSlots = kMaxSeconds + 1;
  struct Slot {
    int64_t second = std::numeric_limits<int64_t>::min();
    uint64_t events = 0;
  };
  static size_t SlotOf(int64_t second);
  struct AppSeries {
    std::array<Slot, kSlots> slots;
    uint64_t total = 0;
  };

  const Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::string, AppSeries, std::less<>> apps_;
};

}  // namespace unmogrowp::api
