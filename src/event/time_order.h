#pragma once

// ATTRIBUTION.md's order of events: by event time, and of two events with
// the same timestamp the one received later counts as later. Arrival is a
// `seq` number that grows with it (the event log offset). The helpers work
// on any type with `ts_ms` and `seq` members; pure, header-only.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace unmogrowp {

// A bare position in that order.
struct TimeSeq {
  int64_t ts_ms = 0;
  uint64_t seq = 0;
};

// True when `a` comes before `b`.
template <typename A, typename B>
bool EarlierInTime(const A& a, const B& b) {
  return a.ts_ms != b.ts_ms ? a.ts_ms < b.ts_ms : a.seq < b.seq;
}

// Inserts `item` into `items`, which is kept in that order.
template <typename T>
void InsertInTimeOrder(std::vector<T>& items, T item) {
  auto at = std::upper_bound(items.begin(), items.end(), item,
                             [](const T& a, const T& b) { return EarlierInTime(a, b); });
  items.insert(at, std::move(item));
}

}  // namespace unmogrowp
