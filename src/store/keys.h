#pragma once

// Keys of the state store's tables (docs/formats/state-store.md). Every key
// starts with the app id, length-prefixed, so one app's rows are contiguous;
// numbers that are scanned in order (days, timestamps, log offsets) are
// fixed-width big-endian so byte order is numeric order. Pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace unmogrowp::store {

// kDedup: app, event_id.
std::string DedupKey(std::string_view app_id, std::string_view event_id);
// kDevices: app, device_id.
std::string DeviceKey(std::string_view app_id, std::string_view device_id);
// kClicksByIpUa: app, ip, user_agent.
std::string IpUaKey(std::string_view app_id, std::string_view ip, std::string_view user_agent);
// kDeviceEvents: app, device_id, log offset. DeviceEventsPrefix is every key
// of one device.
std::string DeviceEventsPrefix(std::string_view app_id, std::string_view device_id);
std::string DeviceEventKey(std::string_view app_id, std::string_view device_id, uint64_t offset);
// kEventsByTime: app, timestamp (ordered), log offset. EventTimePrefix(app,
// ms) starts the events at or after `ms`.
std::string EventTimeKey(std::string_view app_id, int64_t ts_ms, uint64_t offset);
std::string EventTimePrefix(std::string_view app_id, int64_t ts_ms);
// kDeviceEvents' value: the event's timestamp, to find it in kEventsByTime.
std::string DeviceEventValue(int64_t ts_ms);
// Corruption unless `value` is 8 bytes.
Result<int64_t> DecodeDeviceEventValue(std::string_view value);
// kInstallRollup: app, day (days since 1970-01-01 UTC), match class, source,
// campaign. RollupDayPrefix(app, day) starts a day's rows.
std::string RollupDayPrefix(std::string_view app_id, int64_t day);
std::string AppPrefix(std::string_view app_id);

// UTC day number of a timestamp in ms (floor division, so negative times
// land on the right day).
inline int64_t DayOfMs(int64_t ms) {
  int64_t day = ms / 86'400'000;
  return (ms % 86'400'000 < 0) ? day - 1 : day;
}

}  // namespace unmogrowp::store
