#pragma once

// The value rules of API.md's event table that do not depend on JSON: length
// limits, the event_type alphabet, the currency shape and the accepted
// timestamp range. The decoder applies them; they live here so the limits
// are named once and can be tested on their own.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace unmogrowp {

inline constexpr size_t kMaxEventTypeBytes = 64;
inline constexpr size_t kMaxIdBytes = 128;  // event_id, device_id, user_id
inline constexpr size_t kMaxUserAgentBytes = 1024;
inline constexpr size_t kMaxChannelBytes = 256;                       // source, medium, campaign
inline constexpr size_t kMaxPropertiesBytes = size_t{32} * 1024;      // raw JSON text as received
inline constexpr int64_t kMinTimestampMs = 946'684'800'000;           // 2000-01-01T00:00:00Z
inline constexpr int64_t kMaxFutureSkewMs = int64_t{10} * 60 * 1000;  // ahead of server time

// 1-64 bytes of [a-z0-9_].
bool IsValidEventType(std::string_view event_type);

// Exactly three ASCII letters A-Z.
bool IsValidCurrency(std::string_view currency);

// True when `timestamp_ms` is at or after kMinTimestampMs.
inline bool IsAtOrAfterMinTimestamp(int64_t timestamp_ms) {
  return timestamp_ms >= kMinTimestampMs;
}

// True when `timestamp_ms` is at most kMaxFutureSkewMs after `now_ms`
// (computed without overflow for any inputs).
bool IsWithinFutureSkew(int64_t timestamp_ms, int64_t now_ms);

}  // namespace unmogrowp
