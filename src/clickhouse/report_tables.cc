#include "clickhouse/report_tables.h"

namespace unmogrowp {

namespace {

// Partitions: about a month of rows for the raw tables (retention drops old
// ones; a mutation rewrites only the parts it matches), about a year for
// the small rollups. A partition expression uses key columns only, so every
// version of a key lands in the same partition, where FINAL collapses them.
constexpr char kMonthOfMs[] = "intDiv(ts_ms, 2592000000)";

// The statement of one table. Published migrations are built with it, so
// it must keep making the same text.
std::string Create(std::string_view table, std::string_view columns, std::string_view partition,
                   std::string_view key) {
  std::string sql = "CREATE TABLE IF NOT EXISTS ";
  sql += table;
  sql += " (";
  sql += columns;
  sql +=
      ", src_partition Int32, version UInt64, deleted UInt8) ENGINE = ReplacingMergeTree(version)";
  if (!partition.empty()) {
    sql += " PARTITION BY ";
    sql += partition;
  }
  sql += " ORDER BY (";
  sql += key;
  sql += ", src_partition)";
  return sql;
}

std::vector<ClickHouseMigration> Migrations() {
  std::vector<ClickHouseMigration> migrations;
  migrations.push_back(ClickHouseMigration{
      1,
      {
          Create("events",
                 "app_id String, ts_ms Int64, seq UInt64, device_id String, event_id String, "
                 "event_type String, payload String",
                 kMonthOfMs, "app_id, ts_ms, seq"),
          Create("devices",
                 "app_id String, device_id String, install_ts_ms Int64, install_seq UInt64, "
                 "install_match UInt8, source String, campaign String, touch_event_id String",
                 "", "app_id, device_id"),
          Create("install_rollup",
                 "app_id String, day Int64, organic UInt8, source String, campaign String, "
                 "deterministic Int64, probabilistic Int64, organic_installs Int64, "
                 "revenue Float64",
                 "intDiv(day, 360)", "app_id, day, organic, source, campaign"),
          Create("conversions",
                 "app_id String, event_type String, ts_ms Int64, seq UInt64, device_id String, "
                 "revenue Float64, path_ts Array(Int64), path_source Array(String), "
                 "path_campaign Array(String)",
                 kMonthOfMs, "app_id, event_type, ts_ms, seq"),
          Create("device_conversions",
                 "app_id String, device_id String, event_type String, ts_ms Int64, seq UInt64",
                 kMonthOfMs, "app_id, device_id, event_type, ts_ms, seq"),
          Create("touches",
                 "app_id String, day Int64, device_id String, ts_ms Int64, seq UInt64, "
                 "source String, campaign String",
                 "intDiv(day, 30)", "app_id, day, device_id, ts_ms, seq"),
          Create("daily_stats",
                 "app_id String, day Int64, dimension UInt8, value String, events Int64, "
                 "installs Int64, revenue Float64, devices String",
                 "intDiv(day, 30)", "app_id, day, dimension, value"),
          Create("cohorts",
                 "app_id String, day Int64, organic UInt8, source String, campaign String, "
                 "installs Int64, cell_day Array(Int64), cell_active Array(Int64), "
                 "cell_revenue Array(Float64)",
                 "intDiv(day, 360)", "app_id, day, organic, source, campaign"),
      }});
  return migrations;
}

}  // namespace

const std::vector<ClickHouseMigration>& ReportTableMigrations() {
  static const std::vector<ClickHouseMigration> migrations = Migrations();
  return migrations;
}

Status ApplyReportTableMigrations(ClickHouseClient& client) {
  return ApplyClickHouseMigrations(client, client.options().database, ReportTableMigrations());
}

std::string QuoteClickHouseString(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\' || c == '\'') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20 || byte > 0x7e) {
      out += "\\x";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

}  // namespace unmogrowp
