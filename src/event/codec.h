#pragma once

// Event codec: the compact binary form of one event, which is what the event
// log stores as a record's payload and what EncodedBatch carries (never JSON).
//
// Format, version 1 (multi-byte integers little-endian):
//
//   u8      format version, kEventFormatVersion
//   u8      kind (EventKind value); must equal KindOfEventType(event_type)
//   varint  timestamp_ms, zigzag-encoded (LEB128, at most 10 bytes)
//   varint  received_ms, zigzag-encoded
//   f64     revenue, IEEE 754 binary64, finite
//   u16     presence bitmask: bit i is set when string field i is non-empty
//   then, for each set bit in increasing order: varint length (>= 1), bytes
//
// String field bits: 0 app_id, 1 event_id, 2 event_type, 3 device_id,
// 4 user_id, 5 ip, 6 user_agent, 7 source, 8 medium, 9 campaign, 10 currency,
// 11 properties; bits 12-15 are reserved and must be zero.
//
// The encoding is canonical: DecodeEncoded accepts only what AppendEncoded
// produces (minimal varints, no zero-length present strings, no reserved
// bits, no trailing bytes), so every accepted record re-encodes to itself.
// A reader that meets a version it does not know gets Corruption; a new
// version must keep decoding version 1.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "event/event.h"

namespace unmogrowp {

inline constexpr uint8_t kEventFormatVersion = 1;

// Appends the encoding of `event` to `out`. `event.revenue` must be finite
// (asserted); every other value is representable.
void AppendEncoded(const EventView& event, std::string* out);

// Decodes one record produced by AppendEncoded. On success `*out` views into
// `bytes` (valid while `bytes` is). Malformed or truncated input returns
// Corruption and leaves `*out` unspecified; it never reads outside `bytes`.
Status DecodeEncoded(std::string_view bytes, EventView* out);

}  // namespace unmogrowp
