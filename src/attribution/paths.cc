#include "attribution/paths.h"

#include <algorithm>

#include "event/time_order.h"

namespace unmogrowp {

namespace {

constexpr int64_t kMsPerDay = 86'400'000;

template <typename T>
void SortByTime(std::span<T> events) {
  auto less = [](const T& a, const T& b) { return EarlierInTime(a, b); };
  if (!std::is_sorted(events.begin(), events.end(), less)) {
    std::sort(events.begin(), events.end(), less);
  }
}

}  // namespace

void AppendDevicePaths(std::span<PathTouchpoint> touchpoints, std::span<PathConversion> conversions,
                       const PathOptions& options, MtaInput* out) {
  SortByTime(touchpoints);
  SortByTime(conversions);
  const int64_t lookback_ms = options.mta_lookback_days * kMsPerDay;
  const size_t n = touchpoints.size();

  // `after_prev`: the first touchpoint after the previous conversion.
  size_t after_prev = 0;
  for (const PathConversion& c : conversions) {
    if (c.ts_ms > options.to_ms) break;
    // `end`: the first touchpoint after C.
    size_t end = after_prev;
    while (end < n && EarlierInTime(touchpoints[end], c)) ++end;
    if (c.ts_ms >= options.from_ms) {
      size_t begin = after_prev;
      while (begin < end && c.ts_ms - touchpoints[begin].ts_ms > lookback_ms) ++begin;
      for (size_t i = begin; i < end; ++i) {
        out->converting.AppendTouch(touchpoints[i].channel, touchpoints[i].ts_ms);
      }
      out->converting.EndPath(c.ts_ms, c.revenue);
    }
    after_prev = end;
  }

  // The touchpoints after the last conversion with ts <= to start at `after_prev`.
  const size_t before = out->non_converting.channels.size();
  for (size_t i = after_prev; i < n && touchpoints[i].ts_ms <= options.to_ms; ++i) {
    if (touchpoints[i].ts_ms >= options.from_ms) {
      out->non_converting.AppendTouch(touchpoints[i].channel);
    }
  }
  if (out->non_converting.channels.size() > before) out->non_converting.EndPath();
}

}  // namespace unmogrowp
