#pragma once

// ClickHouseReportData: ReportData (analytics/report_data.h) read from the
// ClickHouse report tables (report_tables.h) that every partition's
// ClickHouseStateMirror writes -- the reports of a scaled-out deployment.
// Each row is summed over the partitions: counters added in SQL, the
// unique-device sketches (returned with groupArray) merged here; the rows
// themselves are what StateReportData would read from one store holding
// every partition's records.
//
// Every read takes the newest version of each row and drops deleted ones:
//   SELECT ... FROM (SELECT ... FROM t FINAL WHERE <key columns only>)
//   WHERE deleted = 0 ...
// The inner query may filter only on key columns, which every version of a
// row shares. A filter on another column there would apply before FINAL
// picks the newest version, and could be moved to PREWHERE: a tombstone
// (deleted = 1, other columns empty) would be dropped and the row's older,
// live version would show. So `deleted` and non-key columns (an event's
// device id) are filtered outside, and predicate pushdown and the PREWHERE
// optimization are off for these queries.
//
// Order: rows come in the order the interface states, and where it leaves
// the order between equal keys to the backend, by partition then log
// offset (Events, Conversions, DeviceEvents: (ts_ms, src_partition, seq)).
// Strings in keys sort as the store sorts them -- by their length prefix,
// then their bytes -- so TouchesByDay's devices and the rollups' sources,
// campaigns and values come in the store's order too. Positions (`seq`)
// are offsets in the row's partition.
//
// Large reads (Events, Conversions, TouchesByDay) are paged: at most
// `page_rows` rows per query, each page continuing after the last row
// (keyset paging) in a window of the time or day column sized to about a
// page, so a long range is not re-sorted for every page.
//
// Thread-safe (ClickHouseClient is); owns its client.

#include <cstddef>
#include <memory>
#include <string>

#include "analytics/report_data.h"
#include "clickhouse/clickhouse_client.h"
#include "clickhouse/clickhouse_url.h"

namespace unmogrowp {

class ClickHouseReportData : public analytics::ReportData {
 public:
  static constexpr size_t kDefaultPageRows = 50000;

  // Connects to `options` (its database) and applies the report tables'
  // migrations. `page_rows` (> 0): most rows one paged query returns.
  static Result<std::unique_ptr<ClickHouseReportData>> Open(const ClickHouseOptions& options,
                                                            size_t page_rows = kDefaultPageRows);

  Status DailyStats(std::string_view app_id, int64_t from_day, int64_t to_day,
                    std::optional<analytics::StatsDimension> group_by,
                    const StatsFn& fn) const override;
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
  struct PagedScan;

  ClickHouseReportData(std::unique_ptr<ClickHouseClient> client, size_t page_rows);
  // Runs one read query (with the settings above) and returns its RowBinary answer.
  Result<std::string> Read(const std::string& sql) const;
  Status ScanPages(const PagedScan& scan) const;

  std::unique_ptr<ClickHouseClient> client_;
  const size_t page_rows_;
};

}  // namespace unmogrowp
