#pragma once

// DeviceState: what the pipeline remembers about one device of one app
// (table kDevices): its install attribution, its recent touchpoints (the
// candidates for its install and the material of its multi-touch paths),
// the last conversion of each event type (which cuts the next path), what it
// did before it had an install (moved to its channel once the install is
// attributed), and on which days after its install it was active (cohorts).
// A plain value; the codec is versioned (docs/formats/state-store.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace unmogrowp::store {

// A click or impression that carried this device's id.
struct DeviceTouch {
  int64_t ts_ms = 0;
  uint64_t seq = 0;  // log offset: arrival order
  bool click = true;
  std::string source;    // "" when absent
  std::string campaign;  // "" when absent
  std::string event_id;

  bool operator==(const DeviceTouch&) const = default;
};

// The device's first install and how it was attributed.
struct DeviceInstall {
  int64_t ts_ms = 0;
  uint64_t seq = 0;
  uint8_t match = 0;  // attribution MatchType
  // The winning touchpoint's fields; all empty when organic.
  std::string source;
  std::string campaign;
  std::string touch_event_id;

  bool operator==(const DeviceInstall&) const = default;
};

struct LastConversion {
  std::string event_type;
  int64_t ts_ms = 0;
  uint64_t seq = 0;

  bool operator==(const LastConversion&) const = default;
};

// One of the device's conversions (its first install or an in-app event),
// kept while recent so that a touchpoint or conversion that arrives late --
// after a conversion with a later timestamp -- can be put into (or cut from)
// that conversion's materialized path.
struct RecentConversion {
  std::string event_type;
  int64_t ts_ms = 0;
  uint64_t seq = 0;

  bool operator==(const RecentConversion&) const = default;
};

// What the device sent on one UTC day before it had an install: counted
// under "(organic)" until the install is attributed, then moved to its
// channel (daily stats, install rollup revenue) and into its cohort.
struct PendingDay {
  int64_t day = 0;
  int64_t events = 0;
  double revenue = 0;         // every event's revenue
  double in_app_revenue = 0;  // in-app events' revenue (the install rollup's)

  bool operator==(const PendingDay&) const = default;
};

struct DeviceState {
  std::optional<DeviceInstall> install;
  std::vector<DeviceTouch> touches;                  // in (ts, seq) order
  std::vector<LastConversion> last_conversions;      // one per event type
  std::vector<RecentConversion> recent_conversions;  // in (ts, seq) order
  std::vector<PendingDay> pending_days;              // by day, ascending
  // Bit N set: the device had an event on day N after its install day
  // (N <= 365; cohorts count each device once per N).
  std::vector<uint8_t> cohort_days;
  // The latest UTC day of any of its events (retention removes the state of
  // a device whose last day is older than the app's retention).
  int64_t last_day = INT64_MIN;

  bool operator==(const DeviceState&) const = default;

  // The last conversion of `event_type`, or nullptr.
  const LastConversion* FindLastConversion(std::string_view event_type) const;
  void SetLastConversion(std::string_view event_type, int64_t ts_ms, uint64_t seq);
  // Inserts keeping (ts, seq) order.
  void AddTouch(DeviceTouch touch);
  void AddPending(int64_t day, double revenue, double in_app_revenue);
  // Sets bit `n` of cohort_days; true when it was not set before.
  bool MarkCohortDay(int64_t n);
  bool CohortDay(int64_t n) const;
  // Inserts keeping (ts, seq) order.
  void AddRecentConversion(RecentConversion conversion);
};

std::string EncodeDeviceState(const DeviceState& state);
// Corruption when `bytes` is not an encoding EncodeDeviceState made.
Result<DeviceState> DecodeDeviceState(std::string_view bytes);

}  // namespace unmogrowp::store
