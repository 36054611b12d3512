#pragma once

// StateReportData: ReportData (analytics/report_data.h) read from the
// embedded state store -- one partition (0), rows read as stored. Holds a
// pointer to the store, which must outlive it; thread-safe like the store.

#include "analytics/report_data.h"
#include "store/state_store.h"

namespace unmogrowp::analytics {

class StateReportData : public ReportData {
 public:
  explicit StateReportData(const store::StateStore* state) : state_(state) {}

  Status DailyStats(std::string_view app_id, int64_t from_day, int64_t to_day,
                    std::optional<StatsDimension> group_by, const StatsFn& fn) const override;
  Status InstallRollups(std::string_view app_id, int64_t from_day, int64_t to_day,
                        const RollupFn& fn) const override;
  Status Cohorts(std::string_view app_id, int64_t from_day, int64_t to_day,
                 const CohortFn& fn) const override;
  Status Conversions(std::string_view app_id, std::string_view event_type, int64_t from_ms,
                     int64_t to_ms, const ConversionFn& fn) const override;
  Status TouchesByDay(std::string_view app_id, int64_t from_day, int64_t to_day,
                      const TouchFn& fn) const override;
  Result<std::unordered_map<std::string, TimeSeq>> LastConversions(
      std::string_view app_id, std::string_view event_type, int64_t to_ms,
      const std::vector<std::string>& device_ids) const override;
  Result<std::vector<std::string>> DeviceEvents(std::string_view app_id,
                                                std::string_view device_id) const override;
  Status Events(std::string_view app_id, int64_t from_ms, int64_t to_ms,
                std::optional<EventPosition> after, const EventFn& fn) const override;
  Result<std::optional<store::DeviceInstall>> DeviceInstall(
      std::string_view app_id, std::string_view device_id) const override;

 private:
  const store::StateStore* state_;
};

}  // namespace unmogrowp::analytics
