#include "store/keys.h"

#include "store/bytes.h"

namespace unmogrowp::store {

std::string AppPrefix(std::string_view app_id) {
  std::string key;
  PutLengthPrefixed(app_id, &key);
  return key;
}

std::string DedupKey(std::string_view app_id, std::string_view event_id) {
  std::string key = AppPrefix(app_id);
  PutLengthPrefixed(event_id, &key);
  return key;
}

std::string DeviceKey(std::string_view app_id, std::string_view device_id) {
  std::string key = AppPrefix(app_id);
  PutLengthPrefixed(device_id, &key);
  return key;
}

std::string IpUaKey(std::string_view app_id, std::string_view ip, std::string_view user_agent) {
  std::string key = AppPrefix(app_id);
  PutLengthPrefixed(ip, &key);
  PutLengthPrefixed(user_agent, &key);
  return key;
}

std::string DeviceEventsPrefix(std::string_view app_id, std::string_view device_id) {
  return DeviceKey(app_id, device_id);
}

std::string DeviceEventKey(std::string_view app_id, std::string_view device_id, uint64_t offset) {
  std::string key = DeviceEventsPrefix(app_id, device_id);
  PutBigEndian64(offset, &key);
  return key;
}

std::string EventTimePrefix(std::string_view app_id, int64_t ts_ms) {
  std::string key = AppPrefix(app_id);
  PutOrderedInt64(ts_ms, &key);
  return key;
}

std::string EventTimeKey(std::string_view app_id, int64_t ts_ms, uint64_t offset) {
  std::string key = EventTimePrefix(app_id, ts_ms);
  PutBigEndian64(offset, &key);
  return key;
}

std::string DeviceEventValue(int64_t ts_ms) {
  std::string value;
  PutOrderedInt64(ts_ms, &value);
  return value;
}

Result<int64_t> DecodeDeviceEventValue(std::string_view value) {
  ByteReader reader(value);
  int64_t ts = reader.OrderedInt64();
  if (!reader.ok() || !reader.done()) {
    return Status::Corruption("device event index entry is not 8 bytes");
  }
  return ts;
}

std::string RollupDayPrefix(std::string_view app_id, int64_t day) {
  std::string key = AppPrefix(app_id);
  PutOrderedInt64(day, &key);
  return key;
}

}  // namespace unmogrowp::store
