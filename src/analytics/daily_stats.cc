#include "analytics/daily_stats.h"

#include "store/bytes.h"
#include "store/keys.h"

namespace unmogrowp::analytics {

namespace {

constexpr uint8_t kRowVersion = 1;

Status Malformed(std::string_view what) {
  return Status::Corruption("daily stats " + std::string(what) + " is truncated or malformed");
}

// Reads the counters; leaves the reader at the sketch.
Status ReadCounters(store::ByteReader* reader, StatsRow* row) {
  if (reader->Byte() != kRowVersion) return Malformed("row");
  row->events += reader->SignedVarint();
  row->installs += reader->SignedVarint();
  row->revenue += reader->Double();
  return reader->ok() ? Status::OK() : Malformed("row");
}

}  // namespace

std::string StatsDayPrefix(std::string_view app_id, int64_t day) {
  return store::RollupDayPrefix(app_id, day);
}

std::string StatsKey(std::string_view app_id, int64_t day, StatsDimension dimension,
                     std::string_view value) {
  std::string key = StatsDayPrefix(app_id, day);
  key.push_back(static_cast<char>(dimension));
  store::PutLengthPrefixed(value, &key);
  return key;
}

Result<StatsKeyParts> DecodeStatsKey(std::string_view key, size_t app_prefix_bytes) {
  if (key.size() < app_prefix_bytes) return Malformed("key");
  store::ByteReader reader(key.substr(app_prefix_bytes));
  StatsKeyParts parts;
  parts.day = reader.OrderedInt64();
  uint8_t dimension = reader.Byte();
  parts.value = reader.LengthPrefixed();
  if (!reader.ok() || !reader.done() ||
      dimension > static_cast<uint8_t>(StatsDimension::kEventType)) {
    return Malformed("key");
  }
  parts.dimension = static_cast<StatsDimension>(dimension);
  return parts;
}

std::string EncodeStatsRow(const StatsRow& row) {
  std::string out;
  out.push_back(static_cast<char>(kRowVersion));
  store::PutSignedVarint(row.events, &out);
  store::PutSignedVarint(row.installs, &out);
  store::PutDouble(row.revenue, &out);
  out += row.devices.Encode();
  return out;
}

Result<StatsRow> DecodeStatsRow(std::string_view bytes) {
  StatsRow row;
  UM_RETURN_IF_ERROR(AddEncodedStatsRow(bytes, &row));
  return row;
}

Status AddEncodedStatsRow(std::string_view bytes, StatsRow* into) {
  store::ByteReader reader(bytes);
  StatsRow counters;
  UM_RETURN_IF_ERROR(ReadCounters(&reader, &counters));
  UM_RETURN_IF_ERROR(into->devices.MergeEncoded(reader.rest()));
  into->events += counters.events;
  into->installs += counters.installs;
  into->revenue += counters.revenue;
  return Status::OK();
}

}  // namespace unmogrowp::analytics
