#include "api/live_counter.h"

#include <algorithm>

namespace unmogrowp::api {

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

size_t LiveCounter::SlotOf(int64_t second) {
  return static_cast<size_t>(second - FloorDiv(second, kSlots) * kSlots);
}

void LiveCounter::Add(std::string_view app_id, uint64_t events) {
  const int64_t second = FloorDiv(clock_->NowMs(), 1000);
  std::lock_guard lock(mu_);
  auto it = apps_.find(app_id);
  if (it == apps_.end()) it = apps_.try_emplace(std::string(app_id)).first;
  AppSeries& series = it->second;
  series.total += events;
  Slot& slot = series.slots[SlotOf(second)];
  if (slot.second == second) {
    slot.events += events;
  } else if (slot.second < second) {
    slot = {second, events};
  }
  // else: the wall clock stepped back more than a whole window; the slot
  // holds a later second, which stays (the events count in the total only).
}

LiveCounter::Window LiveCounter::Read(std::string_view app_id, int seconds) const {
  seconds = std::clamp(seconds, 1, kMaxSeconds);
  Window window;
  window.now_ms = clock_->NowMs();
  window.last_second = FloorDiv(window.now_ms, 1000) - 1;
  window.events.assign(static_cast<size_t>(seconds), 0);
  std::lock_guard lock(mu_);
  auto it = apps_.find(app_id);
  if (it == apps_.end()) return window;
  const AppSeries& series = it->second;
  window.total = series.total;
  const int64_t first = window.last_second - seconds + 1;
  for (int i = 0; i < seconds; ++i) {
    const int64_t second = first + i;
    const Slot& slot = series.slots[SlotOf(second)];
    if (slot.second == second) window.events[static_cast<size_t>(i)] = slot.events;
  }
  return window;
}

void LiveCounter::Forget(std::string_view app_id) {
  std::lock_guard lock(mu_);
  auto it = apps_.find(app_id);
  if (it != apps_.end()) apps_.erase(it);
}

}  // namespace unmogrowp::api
