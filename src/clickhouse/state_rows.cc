#include "clickhouse/state_rows.h"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "analytics/cohort_row.h"
#include "analytics/daily_stats.h"
#include "clickhouse/report_tables.h"
#include "event/codec.h"
#include "store/bytes.h"
#include "store/device_state.h"
#include "store/install_rollup.h"
#include "store/journey_records.h"

namespace unmogrowp {

namespace {

using store::Table;

constexpr KeyColumn kEventsKey[] = {
    {"app_id", KeyPart::kString}, {"ts_ms", KeyPart::kOrdered}, {"seq", KeyPart::kUnsigned}};
constexpr KeyColumn kDevicesKey[] = {{"app_id", KeyPart::kString}, {"device_id", KeyPart::kString}};
// store::RollupKey, also the cohorts' key.
constexpr KeyColumn kChannelKey[] = {{"app_id", KeyPart::kString},
                                     {"day", KeyPart::kOrdered},
                                     {"organic", KeyPart::kByte},
                                     {"source", KeyPart::kString},
                                     {"campaign", KeyPart::kString}};
constexpr KeyColumn kConversionsKey[] = {{"app_id", KeyPart::kString},
                                         {"event_type", KeyPart::kString},
                                         {"ts_ms", KeyPart::kOrdered},
                                         {"seq", KeyPart::kUnsigned}};
constexpr KeyColumn kDeviceConversionsKey[] = {{"app_id", KeyPart::kString},
                                               {"device_id", KeyPart::kString},
                                               {"event_type", KeyPart::kString},
                                               {"ts_ms", KeyPart::kOrdered},
                                               {"seq", KeyPart::kUnsigned}};
constexpr KeyColumn kTouchesKey[] = {{"app_id", KeyPart::kString},
                                     {"day", KeyPart::kOrdered},
                                     {"device_id", KeyPart::kString},
                                     {"ts_ms", KeyPart::kOrdered},
                                     {"seq", KeyPart::kUnsigned}};
constexpr KeyColumn kDailyStatsKey[] = {{"app_id", KeyPart::kString},
                                        {"day", KeyPart::kOrdered},
                                        {"dimension", KeyPart::kByte},
                                        {"value", KeyPart::kString}};

const std::array<ReportTableLayout, 8> kLayouts = {{
    {Table::kEventsByTime, "events", kEventsKey, "device_id, event_id, event_type, payload"},
    {Table::kDevices, "devices", kDevicesKey,
     "install_ts_ms, install_seq, install_match, source, campaign, touch_event_id"},
    {Table::kInstallRollup, "install_rollup", kChannelKey,
     "deterministic, probabilistic, organic_installs, revenue"},
    {Table::kConversions, "conversions", kConversionsKey,
     "device_id, revenue, path_ts, path_source, path_campaign"},
    {Table::kDeviceConversions, "device_conversions", kDeviceConversionsKey, ""},
    {Table::kTouchesByDay, "touches", kTouchesKey, "source, campaign"},
    {Table::kDailyStats, "daily_stats", kDailyStatsKey, "events, installs, revenue, devices"},
    {Table::kCohorts, "cohorts", kChannelKey, "installs, cell_day, cell_active, cell_revenue"},
}};

// One decoded part of a key.
struct PartValue {
  KeyPart part = KeyPart::kString;
  std::string_view text;  // kString: a view into the key
  int64_t ordered = 0;    // kOrdered
  uint64_t number = 0;    // kUnsigned, kByte
  size_t end = 0;         // where the part ends in the key
};

// The whole parts `bytes` consists of (at most the layout's); Corruption
// when it ends inside a part or has bytes past the last.
Result<std::vector<PartValue>> ParseParts(const ReportTableLayout& layout, std::string_view bytes) {
  std::vector<PartValue> parts;
  store::ByteReader reader(bytes);
  for (const KeyColumn& column : layout.key) {
    if (reader.done()) break;
    PartValue value;
    value.part = column.part;
    switch (column.part) {
      case KeyPart::kString:
        value.text = reader.LengthPrefixed();
        break;
      case KeyPart::kOrdered:
        value.ordered = reader.OrderedInt64();
        break;
      case KeyPart::kUnsigned:
        value.number = reader.BigEndian64();
        break;
      case KeyPart::kByte:
        value.number = reader.Byte();
        break;
    }
    if (!reader.ok()) break;
    value.end = bytes.size() - reader.rest().size();
    parts.push_back(value);
  }
  if (!reader.ok() || !reader.done()) {
    return Status::Corruption(
        fmt::format("state rows: a {} key does not decode ({} bytes)", layout.name, bytes.size()));
  }
  return parts;
}

void AppendPart(const PartValue& value, RowBinaryWriter* out) {
  switch (value.part) {
    case KeyPart::kString:
      out->PutString(value.text);
      break;
    case KeyPart::kOrdered:
      out->PutInt64(value.ordered);
      break;
    case KeyPart::kUnsigned:
      out->PutUInt64(value.number);
      break;
    case KeyPart::kByte:
      out->PutUInt8(static_cast<uint8_t>(value.number));
      break;
  }
}

std::string Literal(const PartValue& value) {
  switch (value.part) {
    case KeyPart::kString:
      return QuoteClickHouseString(value.text);
    case KeyPart::kOrdered:
      return std::to_string(value.ordered);
    case KeyPart::kUnsigned:
    case KeyPart::kByte:
      break;
  }
  return std::to_string(value.number);
}

Status Malformed(const ReportTableLayout& layout, const Status& status) {
  return Status::Corruption(
      fmt::format("state rows: a {} value does not decode: {}", layout.name, status.message()));
}

// The value's columns (value_columns); `value` null: their defaults.
Result<bool> AppendValue(const ReportTableLayout& layout, const std::string* value,
                         RowBinaryWriter* out) {
  switch (layout.table) {
    case Table::kEventsByTime: {
      EventView event;
      if (value != nullptr) {
        Status decoded = DecodeEncoded(*value, &event);
        if (!decoded.ok()) return Malformed(layout, decoded);
      }
      out->PutString(event.device_id);
      out->PutString(event.event_id);
      out->PutString(event.event_type);
      out->PutString(value != nullptr ? std::string_view(*value) : std::string_view());
      return true;
    }
    case Table::kDevices: {
      store::DeviceInstall install;
      if (value != nullptr) {
        Result<store::DeviceState> state = store::DecodeDeviceState(*value);
        if (!state.ok()) return Malformed(layout, state.status());
        if (!state->install) return false;
        install = *state->install;
      }
      out->PutInt64(install.ts_ms);
      out->PutUInt64(install.seq);
      out->PutUInt8(install.match);
      out->PutString(install.source);
      out->PutString(install.campaign);
      out->PutString(install.touch_event_id);
      return true;
    }
    case Table::kInstallRollup: {
      store::RollupCounters counters;
      if (value != nullptr) {
        Result<store::RollupCounters> decoded = store::DecodeRollupCounters(*value);
        if (!decoded.ok()) return Malformed(layout, decoded.status());
        counters = *decoded;
      }
      out->PutInt64(counters.deterministic);
      out->PutInt64(counters.probabilistic);
      out->PutInt64(counters.organic);
      out->PutFloat64(counters.revenue);
      return true;
    }
    case Table::kConversions: {
      store::ConversionRecord record;
      if (value != nullptr) {
        Result<store::ConversionRecord> decoded = store::DecodeConversionRecord(*value);
        if (!decoded.ok()) return Malformed(layout, decoded.status());
        record = std::move(*decoded);
      }
      out->PutString(record.device_id);
      out->PutFloat64(record.revenue);
      out->PutArraySize(record.path.size());
      for (const store::PathTouch& t : record.path) out->PutInt64(t.ts_ms);
      out->PutArraySize(record.path.size());
      for (const store::PathTouch& t : record.path) out->PutString(t.source);
      out->PutArraySize(record.path.size());
      for (const store::PathTouch& t : record.path) out->PutString(t.campaign);
      return true;
    }
    case Table::kDeviceConversions:
      return true;  // the key is everything
    case Table::kTouchesByDay: {
      std::string_view source;
      std::string_view campaign;
      if (value != nullptr) {
        store::ByteReader reader(*value);
        source = reader.LengthPrefixed();
        campaign = reader.LengthPrefixed();
        if (!reader.ok() || !reader.done()) {
          return Malformed(layout, Status::Corruption("not two length-prefixed strings"));
        }
      }
      out->PutString(source);
      out->PutString(campaign);
      return true;
    }
    case Table::kDailyStats: {
      analytics::StatsRow row;
      std::string sketch;
      if (value != nullptr) {
        Result<analytics::StatsRow> decoded = analytics::DecodeStatsRow(*value);
        if (!decoded.ok()) return Malformed(layout, decoded.status());
        row = std::move(*decoded);
        sketch = row.devices.Encode();
      }
      out->PutInt64(row.events);
      out->PutInt64(row.installs);
      out->PutFloat64(row.revenue);
      out->PutString(sketch);
      return true;
    }
    case Table::kCohorts: {
      analytics::CohortRow row;
      if (value != nullptr) {
        Result<analytics::CohortRow> decoded = analytics::DecodeCohortRow(*value);
        if (!decoded.ok()) return Malformed(layout, decoded.status());
        row = std::move(*decoded);
      }
      out->PutInt64(row.installs);
      out->PutArraySize(row.cells.size());
      for (const analytics::CohortCell& c : row.cells) out->PutInt64(c.day);
      out->PutArraySize(row.cells.size());
      for (const analytics::CohortCell& c : row.cells) out->PutInt64(c.active);
      out->PutArraySize(row.cells.size());
      for (const analytics::CohortCell& c : row.cells) out->PutFloat64(c.revenue);
      return true;
    }
    default:
      break;
  }
  return Status::Internal(fmt::format("state rows: table {} is not mirrored", layout.name));
}

Status Untranslatable(const ReportTableLayout& layout, std::string_view why) {
  return Status::Internal(
      fmt::format("state rows: cannot delete a range of {} in ClickHouse: {}", layout.name, why));
}

// "a = x AND b = y" for the first `count` parts.
std::string Equalities(const ReportTableLayout& layout, const std::vector<PartValue>& parts,
                       size_t count) {
  std::string sql;
  for (size_t i = 0; i < count; ++i) {
    if (!sql.empty()) sql += " AND ";
    sql += fmt::format("{} = {}", layout.key[i].name, Literal(parts[i]));
  }
  return sql;
}

bool Ordered(KeyPart part) { return part != KeyPart::kString; }

}  // namespace

const ReportTableLayout* ReportLayoutOf(store::Table table) {
  for (const ReportTableLayout& layout : kLayouts) {
    if (layout.table == table) return &layout;
  }
  return nullptr;
}

uint32_t MirroredTables() {
  uint32_t bits = 0;
  for (const ReportTableLayout& layout : kLayouts) bits |= 1u << static_cast<int>(layout.table);
  return bits;
}

std::string InsertColumns(const ReportTableLayout& layout) {
  std::string columns;
  for (const KeyColumn& column : layout.key) {
    if (!columns.empty()) columns += ", ";
    columns += column.name;
  }
  if (!layout.value_columns.empty()) {
    columns += ", ";
    columns += layout.value_columns;
  }
  columns += ", src_partition, version, deleted";
  return columns;
}

Result<bool> AppendStateRow(const ReportTableLayout& layout, std::string_view key,
                            const std::string* value, RowBinaryWriter* out) {
  UM_ASSIGN_OR_RETURN(std::vector<PartValue> parts, ParseParts(layout, key));
  if (parts.size() != layout.key.size()) {
    return Status::Corruption(fmt::format("state rows: a {} key has {} of its {} parts",
                                          layout.name, parts.size(), layout.key.size()));
  }
  // The value first: a row with nothing to mirror leaves `out` untouched.
  RowBinaryWriter value_columns;
  UM_ASSIGN_OR_RETURN(bool mirrored, AppendValue(layout, value, &value_columns));
  if (!mirrored) return false;
  for (const PartValue& part : parts) AppendPart(part, out);
  out->PutRaw(value_columns.data());
  return true;
}

Result<std::string> KeyRangeCondition(const ReportTableLayout& layout, std::string_view begin,
                                      std::string_view end) {
  if (!end.empty() && begin >= end) return std::string("0");
  Result<std::vector<PartValue>> parsed = ParseParts(layout, begin);
  if (!parsed.ok() || parsed->empty()) return Untranslatable(layout, "its begin is no key prefix");
  const std::vector<PartValue>& low = *parsed;

  // `end` is PrefixEnd of the first t parts of `begin`: those parts are
  // equal, and `begin` may add a lower bound on the next one.
  for (size_t t = low.size(); t >= 1; --t) {
    if (end != store::PrefixEnd(begin.substr(0, low[t - 1].end))) continue;
    std::string sql = Equalities(layout, low, t);
    if (low.size() == t) return sql;
    if (low.size() == t + 1 && Ordered(low[t].part)) {
      return sql + fmt::format(" AND {} >= {}", layout.key[t].name, Literal(low[t]));
    }
    return Untranslatable(layout, "its begin bounds a string part");
  }

  // `end` is a key prefix: equal leading parts, then one ordered part that
  // `end` bounds (and `begin` may).
  Result<std::vector<PartValue>> parsed_end = ParseParts(layout, end);
  if (!parsed_end.ok()) return Untranslatable(layout, "its end is no key prefix");
  const std::vector<PartValue>& high = *parsed_end;
  size_t equal = 0;
  while (equal < low.size() && equal < high.size() &&
         begin.substr(0, low[equal].end) == end.substr(0, high[equal].end)) {
    ++equal;
  }
  if (equal == 0) return Untranslatable(layout, "it spans apps");
  if (high.size() != equal + 1 || low.size() > equal + 1 || !Ordered(high[equal].part)) {
    return Untranslatable(layout, "its bounds differ in more than one ordered part");
  }
  std::string sql = Equalities(layout, low, equal);
  if (low.size() == equal + 1) {
    sql += fmt::format(" AND {} >= {}", layout.key[equal].name, Literal(low[equal]));
  }
  sql += fmt::format(" AND {} < {}", layout.key[equal].name, Literal(high[equal]));
  return sql;
}

}  // namespace unmogrowp
