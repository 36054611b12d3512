#pragma once

// Log payloads: what one event-log record carries. The first byte says which
// kind it is (docs/formats/event-log.md):
//
//   kEventFormatVersion (1)  an encoded event (event/codec.h)
//   kErasurePayloadByte      an erasure request: from this record on, one
//                            device's earlier events are gone (API.md, Privacy)
//   kRedactedPayloadByte     a record whose contents were wiped in place
//                            (erasure, retention); the rest of it is zeros and
//                            readers skip it
//   kAppDeletionPayloadByte  an app deletion: from this record on, the app and
//                            all its data are gone (DELETE /v1/apps/{app_id})
//   kIndexCopyPayloadByte    a copy of a click kept only for probabilistic
//                            (IP + user agent) matching in a partition that
//                            does not own the click (scale-out, docs/scale-out.md)
//
// Pure functions; safe from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"

namespace unmogrowp {

inline constexpr uint8_t kErasurePayloadByte = 0x80;
inline constexpr uint8_t kRedactedPayloadByte = 0x81;
inline constexpr uint8_t kAppDeletionPayloadByte = 0x82;
inline constexpr uint8_t kIndexCopyPayloadByte = 0x83;

enum class PayloadKind { kEvent, kErasure, kRedacted, kAppDeletion, kIndexCopy, kUnknown };

// The kind named by the payload's first byte (kUnknown when empty or unknown).
PayloadKind KindOfPayload(std::string_view payload);

// A request to erase every event of one device of one app received before it.
//
// Format (little-endian): u8 kErasurePayloadByte, u8 version (1), i64
// requested_ms, then app_id and device_id, each a u16 length (1..1024) and
// its bytes; nothing after.
struct ErasureRecord {
  std::string app_id;
  std::string device_id;
  int64_t requested_ms = 0;  // wall-clock time of the request
};

void AppendErasure(const ErasureRecord& record, std::string* out);
// Corruption when `bytes` is not an encoding AppendErasure made.
Status DecodeErasure(std::string_view bytes, ErasureRecord* out);

// A request to delete one app with all its data: every derived row of the
// app goes, and its events in the log -- before this record or after it --
// are never applied again.
//
// Format (little-endian): u8 kAppDeletionPayloadByte, u8 version (1), i64
// requested_ms, then app_id as a u16 length (1..1024) and its bytes; nothing
// after.
struct AppDeletionRecord {
  std::string app_id;
  int64_t requested_ms = 0;  // wall-clock time of the request
};

void AppendAppDeletion(const AppDeletionRecord& record, std::string* out);
// Corruption when `bytes` is not an encoding AppendAppDeletion made.
Status DecodeAppDeletion(std::string_view bytes, AppDeletionRecord* out);

// An index copy of a click: where a Kafka topic splits events by device, a
// click with an IP and user agent may win the install of a device in any
// partition (ATTRIBUTION.md, probabilistic match), so ingest writes the click
// itself to its device's partition and this copy to every other one. The
// pipeline applies a copy to the IP + user agent index only: it counts
// nowhere and is no event of that partition.
//
// Format: u8 kIndexCopyPayloadByte, then the click's encoded event (the
// payload of its own record) unchanged.
void AppendIndexCopy(std::string_view encoded_event, std::string* out);
// The encoded event inside an index copy; Corruption when `payload` is not one.
Result<std::string_view> IndexCopyEvent(std::string_view payload);

// Overwrites `payload` in place with a redacted payload of the same length.
void RedactPayload(char* payload, size_t size);

}  // namespace unmogrowp
