#include "store/journey_records.h"

#include "store/bytes.h"
#include "store/keys.h"

namespace unmogrowp::store {

std::string ConversionTimeKey(std::string_view app_id, std::string_view event_type, int64_t ts_ms) {
  std::string key = AppPrefix(app_id);
  PutLengthPrefixed(event_type, &key);
  PutOrderedInt64(ts_ms, &key);
  return key;
}

std::string ConversionKey(std::string_view app_id, std::string_view event_type, int64_t ts_ms,
                          uint64_t seq) {
  std::string key = ConversionTimeKey(app_id, event_type, ts_ms);
  PutBigEndian64(seq, &key);
  return key;
}

std::string EncodeConversionRecord(const ConversionRecord& record) {
  std::string out;
  PutLengthPrefixed(record.device_id, &out);
  PutDouble(record.revenue, &out);
  PutVarint(record.path.size(), &out);
  for (const PathTouch& t : record.path) {
    PutSignedVarint(t.ts_ms, &out);
    PutLengthPrefixed(t.source, &out);
    PutLengthPrefixed(t.campaign, &out);
  }
  return out;
}

Result<ConversionRecord> DecodeConversionRecord(std::string_view bytes) {
  ByteReader r(bytes);
  ConversionRecord record;
  record.device_id = r.LengthPrefixed();
  record.revenue = r.Double();
  uint64_t n = r.Varint();
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    PathTouch t;
    t.ts_ms = r.SignedVarint();
    t.source = r.LengthPrefixed();
    t.campaign = r.LengthPrefixed();
    record.path.push_back(std::move(t));
  }
  if (!r.ok() || !r.done()) return Status::Corruption("conversion: malformed record");
  return record;
}

std::string DeviceConversionTimeKey(std::string_view app_id, std::string_view device_id,
                                    std::string_view event_type, int64_t ts_ms) {
  std::string key = DeviceKey(app_id, device_id);
  PutLengthPrefixed(event_type, &key);
  PutOrderedInt64(ts_ms, &key);
  return key;
}

std::string DeviceConversionKey(std::string_view app_id, std::string_view device_id,
                                std::string_view event_type, int64_t ts_ms, uint64_t seq) {
  std::string key = DeviceConversionTimeKey(app_id, device_id, event_type, ts_ms);
  PutBigEndian64(seq, &key);
  return key;
}

Result<TimeSeq> DecodeTimeSeqSuffix(std::string_view key) {
  if (key.size() < 16) return Status::Corruption("conversion: short key");
  ByteReader r(key.substr(key.size() - 16));
  TimeSeq at;
  at.ts_ms = r.OrderedInt64();
  at.seq = r.BigEndian64();
  return at;
}

std::string TouchByDayKey(std::string_view app_id, const DayTouch& touch) {
  std::string key = RollupDayPrefix(app_id, touch.day);
  PutLengthPrefixed(touch.device_id, &key);
  PutOrderedInt64(touch.ts_ms, &key);
  PutBigEndian64(touch.seq, &key);
  return key;
}

std::string TouchByDayValue(const DayTouch& touch) {
  std::string value;
  PutLengthPrefixed(touch.source, &value);
  PutLengthPrefixed(touch.campaign, &value);
  return value;
}

Result<DayTouch> DecodeTouchByDay(std::string_view key, std::string_view value,
                                  size_t app_prefix_bytes) {
  if (key.size() < app_prefix_bytes) return Status::Corruption("touch by day: short key");
  ByteReader k(key.substr(app_prefix_bytes));
  DayTouch touch;
  touch.day = k.OrderedInt64();
  touch.device_id = k.LengthPrefixed();
  touch.ts_ms = k.OrderedInt64();
  touch.seq = k.BigEndian64();
  ByteReader v(value);
  touch.source = v.LengthPrefixed();
  touch.campaign = v.LengthPrefixed();
  if (!k.ok() || !k.done() || !v.ok() || !v.done()) {
    return Status::Corruption("touch by day: malformed row");
  }
  return touch;
}

}  // namespace unmogrowp::store
