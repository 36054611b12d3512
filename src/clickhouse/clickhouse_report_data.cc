#include "clickhouse/clickhouse_report_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "analytics/hll.h"
#include "clickhouse/report_tables.h"
#include "clickhouse/row_binary.h"
#include "store/install_rollup.h"

namespace unmogrowp {

namespace {

// The (day, organic, source, campaign) columns of a rollup or cohort row.
Result<store::RollupChannel> ReadRollupChannel(RowBinaryReader& reader) {
  store::RollupChannel channel;
  UM_ASSIGN_OR_RETURN(channel.day, reader.ReadInt64());
  UM_ASSIGN_OR_RETURN(uint8_t organic, reader.ReadUInt8());
  channel.organic = organic != 0;
  UM_ASSIGN_OR_RETURN(std::string_view source, reader.ReadString());
  UM_ASSIGN_OR_RETURN(std::string_view campaign, reader.ReadString());
  channel.source = source;
  channel.campaign = campaign;
  return channel;
}

using analytics::StatsDimension;

// A length-prefixed string's sort position in the store: its LEB128 length
// bytes (exact for strings under 16384 bytes), then its bytes.
std::string StoreOrder(std::string_view column) {
  return fmt::format(
      "if(length({0}) < 128, length({0}), 128 + length({0}) % 128), intDiv(length({0}), 128)",
      column);
}
std::string StoreOrderLiteral(std::string_view value) {
  const size_t n = value.size();
  return fmt::format("{}, {}, {}", n < 128 ? n : 128 + n % 128, n / 128,
                     QuoteClickHouseString(value));
}

// Arrays of a groupArray over Array columns: one array per partition.
template <typename T, typename ReadFn>
Result<std::vector<std::vector<T>>> ReadNestedArrays(RowBinaryReader& reader, ReadFn read) {
  UM_ASSIGN_OR_RETURN(uint64_t outer, reader.ReadArraySize());
  std::vector<std::vector<T>> arrays(outer);
  for (auto& array : arrays) {
    UM_ASSIGN_OR_RETURN(uint64_t inner, reader.ReadArraySize());
    array.reserve(inner);
    for (uint64_t i = 0; i < inner; ++i) {
      UM_ASSIGN_OR_RETURN(T value, read(reader));
      array.push_back(std::move(value));
    }
  }
  return arrays;
}

Status Mismatch(std::string_view what) {
  return Status::Corruption(fmt::format("clickhouse: the {} answer's arrays do not line up", what));
}

// `a + span - 1`, at most `limit` (>= a); `span` 0 means no bound.
int64_t WindowEnd(int64_t a, uint64_t span, int64_t limit) {
  const uint64_t room = static_cast<uint64_t>(limit) - static_cast<uint64_t>(a);
  if (span == 0 || span - 1 >= room) return limit;
  return static_cast<int64_t>(static_cast<uint64_t>(a) + (span - 1));
}

}  // namespace

// One paged read: rows of `table` whose `lead` column is in [from, to],
// in `order` (which starts with `lead`), after the `order` tuple `after`.
struct ClickHouseReportData::PagedScan {
  std::string table;
  std::string inner_columns;  // what the inner FINAL query selects; `deleted` added
  std::string key_filter;     // a condition on key columns
  std::string lead;
  std::string order;          // comma-separated expressions of inner columns
  std::string outer_columns;  // what each answer row holds
  int64_t from = 0;
  int64_t to = 0;
  std::string after;  // the elements of an `order` tuple; "" for none
  // Reads one row; sets *lead to its lead value and *cursor to its `order`
  // tuple's elements. False stops the scan.
  std::function<Result<bool>(RowBinaryReader& reader, int64_t* lead, std::string* cursor)> row;
};

Result<std::unique_ptr<ClickHouseReportData>> ClickHouseReportData::Open(
    const ClickHouseOptions& options, size_t page_rows) {
  if (page_rows == 0) return Status::InvalidArgument("page_rows", "page_rows must be positive");
  auto client = std::make_unique<ClickHouseClient>(options);
  UM_RETURN_IF_ERROR(ApplyReportTableMigrations(*client));
  return std::unique_ptr<ClickHouseReportData>(
      new ClickHouseReportData(std::move(client), page_rows));
}

ClickHouseReportData::ClickHouseReportData(std::unique_ptr<ClickHouseClient> client,
                                           size_t page_rows)
    : client_(std::move(client)), page_rows_(page_rows) {}

Result<std::string> ClickHouseReportData::Read(const std::string& sql) const {
  ClickHouseCall call;
  // Keep `deleted = 0` (and any non-key filter) outside FINAL: no moving of
  // conditions into the subquery or to PREWHERE (see the header).
  call.settings = {{"enable_optimize_predicate_expression", "0"},
                   {"optimize_move_to_prewhere", "0"}};
  return client_->Query(sql, call);
}

Status ClickHouseReportData::ScanPages(const PagedScan& scan) const {
  if (scan.from > scan.to) return Status::OK();
  int64_t lo = scan.from;
  std::string cursor = scan.after;
  // The first window is the whole range; later ones about a page wide.
  uint64_t span = static_cast<uint64_t>(scan.to) - static_cast<uint64_t>(scan.from) + 1;
  while (true) {
    const int64_t hi = WindowEnd(lo, span, scan.to);
    std::string sql = fmt::format(
        "SELECT {} FROM (SELECT {}, deleted FROM {} FINAL WHERE {} AND {} >= {} AND {} <= {}",
        scan.outer_columns, scan.inner_columns, scan.table, scan.key_filter, scan.lead, lo,
        scan.lead, hi);
    if (!cursor.empty()) sql += fmt::format(" AND ({}) > ({})", scan.order, cursor);
    sql += fmt::format(") WHERE deleted = 0 ORDER BY {} LIMIT {} FORMAT RowBinary", scan.order,
                       page_rows_);
    UM_ASSIGN_OR_RETURN(std::string answer, Read(sql));
    RowBinaryReader reader(answer);
    size_t rows = 0;
    int64_t first_lead = 0;
    int64_t last_lead = 0;
    while (!reader.AtEnd()) {
      UM_ASSIGN_OR_RETURN(bool more, scan.row(reader, &last_lead, &cursor));
      if (rows++ == 0) first_lead = last_lead;
      if (!more) return Status::OK();
    }
    if (rows >= page_rows_) {
      // A full page: go on after its last row, in a window as wide as it.
      lo = last_lead;
      span = static_cast<uint64_t>(last_lead) - static_cast<uint64_t>(first_lead) + 1;
      continue;
    }
    if (hi == scan.to) return Status::OK();
    lo = hi + 1;
    cursor.clear();
    if (rows < page_rows_ / 2 && span != 0) span = span > UINT64_MAX / 2 ? 0 : span * 2;
  }
}

Status ClickHouseReportData::DailyStats(std::string_view app_id, int64_t from_day, int64_t to_day,
                                        std::optional<StatsDimension> group_by,
                                        const StatsFn& fn) const {
  if (from_day > to_day) return Status::OK();
  std::string dimensions = std::to_string(static_cast<int>(StatsDimension::kAll));
  if (group_by) dimensions += ", " + std::to_string(static_cast<int>(*group_by));
  UM_ASSIGN_OR_RETURN(
      std::string answer,
      Read(fmt::format(
          "SELECT day, dimension, value, sum(events), sum(installs), sum(revenue), "
          "groupArray(devices) FROM (SELECT day, dimension, value, events, installs, revenue, "
          "devices, deleted FROM daily_stats FINAL WHERE app_id = {} AND day >= {} AND day <= {} "
          "AND dimension IN ({})) WHERE deleted = 0 GROUP BY day, dimension, value "
          "FORMAT RowBinary",
          QuoteClickHouseString(app_id), from_day, to_day, dimensions)));
  struct Row {
    std::string key;  // the store key: the store's order
    int64_t day;
    StatsDimension dimension;
    std::string value;
    analytics::StatsRow stats;
  };
  std::vector<Row> rows;
  RowBinaryReader reader(answer);
  while (!reader.AtEnd()) {
    Row row;
    UM_ASSIGN_OR_RETURN(row.day, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(uint8_t dimension, reader.ReadUInt8());
    row.dimension = static_cast<StatsDimension>(dimension);
    UM_ASSIGN_OR_RETURN(std::string_view value, reader.ReadString());
    row.value = value;
    UM_ASSIGN_OR_RETURN(row.stats.events, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(row.stats.installs, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(row.stats.revenue, reader.ReadFloat64());
    UM_ASSIGN_OR_RETURN(uint64_t sketches, reader.ReadArraySize());
    for (uint64_t i = 0; i < sketches; ++i) {
      UM_ASSIGN_OR_RETURN(std::string_view sketch, reader.ReadString());
      UM_RETURN_IF_ERROR(row.stats.devices.MergeEncoded(sketch));
    }
    row.key = analytics::StatsKey(app_id, row.day, row.dimension, row.value);
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
  for (const Row& row : rows) {
    if (!fn(row.day, row.dimension, row.value, row.stats)) break;
  }
  return Status::OK();
}

Status ClickHouseReportData::InstallRollups(std::string_view app_id, int64_t from_day,
                                            int64_t to_day, const RollupFn& fn) const {
  if (from_day > to_day) return Status::OK();
  UM_ASSIGN_OR_RETURN(
      std::string answer,
      Read(fmt::format(
          "SELECT day, organic, source, campaign, sum(deterministic), sum(probabilistic), "
          "sum(organic_installs), sum(revenue) FROM (SELECT day, organic, source, campaign, "
          "deterministic, probabilistic, organic_installs, revenue, deleted FROM install_rollup "
          "FINAL WHERE app_id = {} AND day >= {} AND day <= {}) WHERE deleted = 0 "
          "GROUP BY day, organic, source, campaign FORMAT RowBinary",
          QuoteClickHouseString(app_id), from_day, to_day)));
  struct Row {
    std::string key;
    store::RollupChannel channel;
    store::RollupCounters counters;
  };
  std::vector<Row> rows;
  RowBinaryReader reader(answer);
  while (!reader.AtEnd()) {
    Row row;
    UM_ASSIGN_OR_RETURN(row.channel, ReadRollupChannel(reader));
    UM_ASSIGN_OR_RETURN(row.counters.deterministic, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(row.counters.probabilistic, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(row.counters.organic, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(row.counters.revenue, reader.ReadFloat64());
    row.key = store::RollupKey(app_id, row.channel);
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
  for (const Row& row : rows) {
    if (!fn(row.channel, row.counters)) break;
  }
  return Status::OK();
}

Status ClickHouseReportData::Cohorts(std::string_view app_id, int64_t from_day, int64_t to_day,
                                     const CohortFn& fn) const {
  if (from_day > to_day) return Status::OK();
  UM_ASSIGN_OR_RETURN(
      std::string answer,
      Read(fmt::format(
          "SELECT day, organic, source, campaign, sum(installs), groupArray(cell_day), "
          "groupArray(cell_active), groupArray(cell_revenue) FROM (SELECT day, organic, source, "
          "campaign, installs, cell_day, cell_active, cell_revenue, deleted FROM cohorts FINAL "
          "WHERE app_id = {} AND day >= {} AND day <= {}) WHERE deleted = 0 "
          "GROUP BY day, organic, source, campaign FORMAT RowBinary",
          QuoteClickHouseString(app_id), from_day, to_day)));
  struct Row {
    std::string key;
    store::RollupChannel channel;
    analytics::CohortRow cohort;
  };
  auto read_int = [](RowBinaryReader& r) { return r.ReadInt64(); };
  auto read_double = [](RowBinaryReader& r) { return r.ReadFloat64(); };
  std::vector<Row> rows;
  RowBinaryReader reader(answer);
  while (!reader.AtEnd()) {
    Row row;
    UM_ASSIGN_OR_RETURN(row.channel, ReadRollupChannel(reader));
    UM_ASSIGN_OR_RETURN(row.cohort.installs, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(auto days, ReadNestedArrays<int64_t>(reader, read_int));
    UM_ASSIGN_OR_RETURN(auto active, ReadNestedArrays<int64_t>(reader, read_int));
    UM_ASSIGN_OR_RETURN(auto revenue, ReadNestedArrays<double>(reader, read_double));
    if (days.size() != active.size() || days.size() != revenue.size()) return Mismatch("cohorts");
    for (size_t p = 0; p < days.size(); ++p) {
      if (days[p].size() != active[p].size() || days[p].size() != revenue[p].size()) {
        return Mismatch("cohorts");
      }
      for (size_t i = 0; i < days[p].size(); ++i) {
        analytics::CohortCell& cell = row.cohort.Cell(days[p][i]);
        cell.active += active[p][i];
        cell.revenue += revenue[p][i];
      }
    }
    row.key = store::RollupKey(app_id, row.channel);
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
  for (const Row& row : rows) {
    if (!fn(row.channel, row.cohort)) break;
  }
  return Status::OK();
}

Status ClickHouseReportData::Conversions(std::string_view app_id, std::string_view event_type,
                                         int64_t from_ms, int64_t to_ms,
                                         const ConversionFn& fn) const {
  PagedScan scan;
  scan.table = "conversions";
  scan.inner_columns =
      "ts_ms, src_partition, seq, device_id, revenue, path_ts, path_source, path_campaign";
  scan.outer_columns = scan.inner_columns;
  scan.key_filter = fmt::format("app_id = {} AND event_type = {}", QuoteClickHouseString(app_id),
                                QuoteClickHouseString(event_type));
  scan.lead = "ts_ms";
  scan.order = "ts_ms, src_partition, seq";
  scan.from = from_ms;
  scan.to = to_ms;
  scan.row = [&fn](RowBinaryReader& reader, int64_t* lead, std::string* cursor) -> Result<bool> {
    TimeSeq at;
    UM_ASSIGN_OR_RETURN(at.ts_ms, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(int32_t partition, reader.ReadInt32());
    UM_ASSIGN_OR_RETURN(at.seq, reader.ReadUInt64());
    store::ConversionRecord record;
    UM_ASSIGN_OR_RETURN(std::string_view device, reader.ReadString());
    record.device_id = device;
    UM_ASSIGN_OR_RETURN(record.revenue, reader.ReadFloat64());
    UM_ASSIGN_OR_RETURN(uint64_t touches, reader.ReadArraySize());
    record.path.resize(touches);
    for (store::PathTouch& t : record.path) {
      UM_ASSIGN_OR_RETURN(t.ts_ms, reader.ReadInt64());
    }
    UM_ASSIGN_OR_RETURN(uint64_t sources, reader.ReadArraySize());
    if (sources != touches) return Mismatch("conversions");
    for (store::PathTouch& t : record.path) {
      UM_ASSIGN_OR_RETURN(std::string_view source, reader.ReadString());
      t.source = source;
    }
    UM_ASSIGN_OR_RETURN(uint64_t campaigns, reader.ReadArraySize());
    if (campaigns != touches) return Mismatch("conversions");
    for (store::PathTouch& t : record.path) {
      UM_ASSIGN_OR_RETURN(std::string_view campaign, reader.ReadString());
      t.campaign = campaign;
    }
    *lead = at.ts_ms;
    *cursor = fmt::format("{}, {}, {}", at.ts_ms, partition, at.seq);
    return fn(at, record);
  };
  return ScanPages(scan);
}

Status ClickHouseReportData::TouchesByDay(std::string_view app_id, int64_t from_day, int64_t to_day,
                                          const TouchFn& fn) const {
  PagedScan scan;
  scan.table = "touches";
  scan.inner_columns = "day, device_id, ts_ms, seq, source, campaign, src_partition";
  scan.outer_columns = scan.inner_columns;
  scan.key_filter = fmt::format("app_id = {}", QuoteClickHouseString(app_id));
  scan.lead = "day";
  scan.order =
      fmt::format("day, {}, device_id, ts_ms, seq, src_partition", StoreOrder("device_id"));
  scan.from = from_day;
  scan.to = to_day;
  scan.row = [&fn](RowBinaryReader& reader, int64_t* lead, std::string* cursor) -> Result<bool> {
    store::DayTouch touch;
    UM_ASSIGN_OR_RETURN(touch.day, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(std::string_view device, reader.ReadString());
    touch.device_id = device;
    UM_ASSIGN_OR_RETURN(touch.ts_ms, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(touch.seq, reader.ReadUInt64());
    UM_ASSIGN_OR_RETURN(std::string_view source, reader.ReadString());
    UM_ASSIGN_OR_RETURN(std::string_view campaign, reader.ReadString());
    touch.source = source;
    touch.campaign = campaign;
    UM_ASSIGN_OR_RETURN(int32_t partition, reader.ReadInt32());
    *lead = touch.day;
    *cursor = fmt::format("{}, {}, {}, {}, {}", touch.day, StoreOrderLiteral(touch.device_id),
                          touch.ts_ms, touch.seq, partition);
    return fn(touch);
  };
  return ScanPages(scan);
}

Result<std::unordered_map<std::string, TimeSeq>> ClickHouseReportData::LastConversions(
    std::string_view app_id, std::string_view event_type, int64_t to_ms,
    const std::vector<std::string>& device_ids) const {
  // Device lists are cut to keep each query well under max_query_size (256 KiB).
  constexpr size_t kMaxListBytes = 64 * 1024;
  std::unordered_map<std::string, TimeSeq> last;
  size_t next = 0;
  while (next < device_ids.size()) {
    std::string list;
    while (next < device_ids.size() && list.size() < kMaxListBytes) {
      if (!list.empty()) list += ", ";
      list += QuoteClickHouseString(device_ids[next++]);
    }
    UM_ASSIGN_OR_RETURN(
        std::string answer,
        Read(fmt::format(
            "SELECT device_id, ts_ms, seq FROM (SELECT device_id, ts_ms, seq, src_partition, "
            "deleted FROM device_conversions FINAL WHERE app_id = {} AND device_id IN ({}) AND "
            "event_type = {} AND ts_ms <= {}) WHERE deleted = 0 "
            "ORDER BY device_id, ts_ms DESC, seq DESC, src_partition DESC LIMIT 1 BY device_id "
            "FORMAT RowBinary",
            QuoteClickHouseString(app_id), list, QuoteClickHouseString(event_type), to_ms)));
    RowBinaryReader reader(answer);
    while (!reader.AtEnd()) {
      UM_ASSIGN_OR_RETURN(std::string_view device, reader.ReadString());
      TimeSeq at;
      UM_ASSIGN_OR_RETURN(at.ts_ms, reader.ReadInt64());
      UM_ASSIGN_OR_RETURN(at.seq, reader.ReadUInt64());
      last.emplace(std::string(device), at);
    }
  }
  return last;
}

Result<std::vector<std::string>> ClickHouseReportData::DeviceEvents(
    std::string_view app_id, std::string_view device_id) const {
  std::vector<std::string> payloads;
  // Only events with a device id are a device's (the store indexes no others).
  if (device_id.empty()) return payloads;
  const std::string app = QuoteClickHouseString(app_id);
  // device_id is no key column: the keys of the device's rows (any version)
  // are found first, then their newest versions, tombstones included.
  UM_ASSIGN_OR_RETURN(
      std::string answer,
      Read(fmt::format(
          "SELECT payload FROM (SELECT ts_ms, src_partition, seq, payload, deleted FROM events "
          "FINAL WHERE app_id = {0} AND (ts_ms, seq, src_partition) IN (SELECT ts_ms, seq, "
          "src_partition FROM events WHERE app_id = {0} AND device_id = {1})) WHERE deleted = 0 "
          "ORDER BY ts_ms, src_partition, seq FORMAT RowBinary",
          app, QuoteClickHouseString(device_id))));
  RowBinaryReader reader(answer);
  while (!reader.AtEnd()) {
    UM_ASSIGN_OR_RETURN(std::string_view payload, reader.ReadString());
    payloads.emplace_back(payload);
  }
  return payloads;
}

Status ClickHouseReportData::Events(std::string_view app_id, int64_t from_ms, int64_t to_ms,
                                    std::optional<EventPosition> after, const EventFn& fn) const {
  PagedScan scan;
  scan.table = "events";
  scan.inner_columns = "ts_ms, src_partition, seq, payload";
  scan.outer_columns = scan.inner_columns;
  scan.key_filter = fmt::format("app_id = {}", QuoteClickHouseString(app_id));
  scan.lead = "ts_ms";
  scan.order = "ts_ms, src_partition, seq";
  scan.from = from_ms;
  scan.to = to_ms;
  if (after) {
    scan.from = std::max(from_ms, after->ts_ms);
    scan.after = fmt::format("{}, {}, {}", after->ts_ms, after->partition, after->seq);
  }
  scan.row = [&fn](RowBinaryReader& reader, int64_t* lead, std::string* cursor) -> Result<bool> {
    EventPosition at;
    UM_ASSIGN_OR_RETURN(at.ts_ms, reader.ReadInt64());
    UM_ASSIGN_OR_RETURN(at.partition, reader.ReadInt32());
    UM_ASSIGN_OR_RETURN(at.seq, reader.ReadUInt64());
    UM_ASSIGN_OR_RETURN(std::string_view payload, reader.ReadString());
    *lead = at.ts_ms;
    *cursor = fmt::format("{}, {}, {}", at.ts_ms, at.partition, at.seq);
    return fn(at, payload);
  };
  return ScanPages(scan);
}

Result<std::optional<store::DeviceInstall>> ClickHouseReportData::DeviceInstall(
    std::string_view app_id, std::string_view device_id) const {
  UM_ASSIGN_OR_RETURN(
      std::string answer,
      Read(fmt::format(
          "SELECT install_ts_ms, install_seq, install_match, source, campaign, touch_event_id "
          "FROM (SELECT install_ts_ms, install_seq, install_match, source, campaign, "
          "touch_event_id, src_partition, deleted FROM devices FINAL WHERE app_id = {} AND "
          "device_id = {}) WHERE deleted = 0 ORDER BY src_partition LIMIT 1 FORMAT RowBinary",
          QuoteClickHouseString(app_id), QuoteClickHouseString(device_id))));
  if (answer.empty()) return std::optional<store::DeviceInstall>();
  RowBinaryReader reader(answer);
  store::DeviceInstall install;
  UM_ASSIGN_OR_RETURN(install.ts_ms, reader.ReadInt64());
  UM_ASSIGN_OR_RETURN(install.seq, reader.ReadUInt64());
  UM_ASSIGN_OR_RETURN(install.match, reader.ReadUInt8());
  UM_ASSIGN_OR_RETURN(std::string_view source, reader.ReadString());
  UM_ASSIGN_OR_RETURN(std::string_view campaign, reader.ReadString());
  UM_ASSIGN_OR_RETURN(std::string_view touch, reader.ReadString());
  install.source = source;
  install.campaign = campaign;
  install.touch_event_id = touch;
  if (!reader.AtEnd())
    return Status::Corruption("clickhouse: a device install answer is malformed");
  return std::optional<store::DeviceInstall>(std::move(install));
}

}  // namespace unmogrowp
