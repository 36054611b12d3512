#pragma once

// ReportData: what the report endpoints read -- the derived state the
// pipeline maintains, behind one interface with two backends: the embedded
// state store (StateReportData, RocksDB) and ClickHouse (clickhouse/
// clickhouse_report_data.h, scale-out). The report handlers (api/) turn what
// these return into API.md's answers, the same code for both, so the two
// backends answer alike as long as they hold the same rows.
//
// Where the state is split over partitions (scale-out: one state per Kafka
// partition), a backend returns each row summed over the partitions: the
// counters added, the unique-device sketches merged.
//
// Implementations are thread-safe; a callback runs on the calling thread
// and returns false to stop early. Rows come in the order each method
// states.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/cohort_row.h"
#include "analytics/daily_stats.h"
#include "core/result.h"
#include "core/status.h"
#include "event/time_order.h"
#include "store/device_state.h"
#include "store/install_rollup.h"
#include "store/journey_records.h"

namespace unmogrowp::analytics {

class ReportData {
 public:
  virtual ~ReportData() = default;

  // The app's daily-stats rows of days [from_day, to_day]: the whole-app row
  // (dimension kAll, value "") of each day that has one and, when
  // `group_by` is set, every row of that dimension. By day, then dimension,
  // then value.
  using StatsFn = std::function<bool(int64_t day, StatsDimension dimension, std::string_view value,
                                     const StatsRow& row)>;
  virtual Status DailyStats(std::string_view app_id, int64_t from_day, int64_t to_day,
                            std::optional<StatsDimension> group_by, const StatsFn& fn) const = 0;

  // Install rollup rows of days [from_day, to_day], by day then channel.
  using RollupFn =
      std::function<bool(const store::RollupChannel& channel, const store::RollupCounters& row)>;
  virtual Status InstallRollups(std::string_view app_id, int64_t from_day, int64_t to_day,
                                const RollupFn& fn) const = 0;

  // Cohort rows of install days [from_day, to_day], by day then channel.
  using CohortFn = std::function<bool(const store::RollupChannel& channel, const CohortRow& row)>;
  virtual Status Cohorts(std::string_view app_id, int64_t from_day, int64_t to_day,
                         const CohortFn& fn) const = 0;

  // Conversions of `event_type` with timestamps in [from_ms, to_ms], each
  // with its materialized path, in time order (ties in log order).
  using ConversionFn =
      std::function<bool(const TimeSeq& at, const store::ConversionRecord& conversion)>;
  virtual Status Conversions(std::string_view app_id, std::string_view event_type, int64_t from_ms,
                             int64_t to_ms, const ConversionFn& fn) const = 0;

  // Touchpoints with a device id of days [from_day, to_day], by day, then
  // device, then time.
  using TouchFn = std::function<bool(const store::DayTouch& touch)>;
  virtual Status TouchesByDay(std::string_view app_id, int64_t from_day, int64_t to_day,
                              const TouchFn& fn) const = 0;

  // For each of `device_ids` that has a conversion of `event_type` at or
  // before `to_ms`: the time of its last such conversion.
  virtual Result<std::unordered_map<std::string, TimeSeq>> LastConversions(
      std::string_view app_id, std::string_view event_type, int64_t to_ms,
      const std::vector<std::string>& device_ids) const = 0;

  // The device's stored events (encoded, event/codec.h) in time order, ties
  // in log order; empty when it has none.
  virtual Result<std::vector<std::string>> DeviceEvents(std::string_view app_id,
                                                        std::string_view device_id) const = 0;

  // Where an event stands in the order of Events(): time, then partition,
  // then log offset.
  struct EventPosition {
    int64_t ts_ms = 0;
    int32_t partition = 0;
    uint64_t seq = 0;
  };
  // The app's events (encoded) with timestamps in [from_ms, to_ms], in
  // EventPosition order, from just after `after` (nullopt: the first).
  using EventFn = std::function<bool(const EventPosition& at, std::string_view payload)>;
  virtual Status Events(std::string_view app_id, int64_t from_ms, int64_t to_ms,
                        std::optional<EventPosition> after, const EventFn& fn) const = 0;

  // The device's install attribution; nullopt when it has none (no install
  // yet, or no state).
  virtual Result<std::optional<store::DeviceInstall>> DeviceInstall(
      std::string_view app_id, std::string_view device_id) const = 0;
};

}  // namespace unmogrowp::analytics
