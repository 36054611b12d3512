#pragma once

// The ClickHouse report tables (docs/scale-out.md, "ClickHouse: the report
// tables"): one table per mirrored state-store table, as migrations for
// ApplyClickHouseMigrations, and the SQL literal quoting every query of
// them uses.
//
// Every table is `ReplacingMergeTree(version)` ordered by the columns of
// the store key it mirrors, then `src_partition` -- so the same key written
// by two partitions' workers is two rows, which the reports sum -- and has
//   src_partition Int32   the Kafka partition whose state wrote the row (0
//                         for the embedded state)
//   version UInt64        grows with the partition's log offset
//                         (clickhouse_state_mirror.h); FINAL keeps the row
//                         of a key with the highest version
//   deleted UInt8         1: the key was deleted at that version (a
//                         tombstone; its other columns are defaults)
// Store key -> table (the columns before src_partition are the key):
//   kEventsByTime      events             app_id, ts_ms, seq
//   kDevices           devices            app_id, device_id (install only)
//   kInstallRollup     install_rollup     app_id, day, organic, source, campaign
//   kConversions       conversions        app_id, event_type, ts_ms, seq
//   kDeviceConversions device_conversions app_id, device_id, event_type, ts_ms, seq
//   kTouchesByDay      touches            app_id, day, device_id, ts_ms, seq
//   kDailyStats        daily_stats        app_id, day, dimension, value
//   kCohorts           cohorts            app_id, day, organic, source, campaign
// Days are Int64 day numbers (store::DayOfMs), not Date: Date cannot hold
// days before 1970, which timestamps may be. The SQL runs on ClickHouse
// 18.16 and current servers.
//
// Pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "clickhouse/clickhouse_client.h"
#include "clickhouse/clickhouse_schema.h"
#include "core/status.h"

namespace unmogrowp {

// The report tables' migrations, oldest first. Published versions never
// change: a new column or table is a new migration.
const std::vector<ClickHouseMigration>& ReportTableMigrations();

// Applies ReportTableMigrations() to the client's database.
Status ApplyReportTableMigrations(ClickHouseClient& client);

// `text` as a ClickHouse string literal, quotes included: a backslash and a
// quote are escaped with a backslash, and every byte below 0x20 or above
// 0x7e as \xHH, so any bytes (NUL, invalid UTF-8) survive and the SQL text
// stays printable ASCII.
std::string QuoteClickHouseString(std::string_view text);

}  // namespace unmogrowp
