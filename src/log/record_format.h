#pragma once

// Record framing of the event log (docs/formats/event-log.md, "Record
// framing"): an 8-byte header -- length word (payload length, bit 31 =
// group-start flag) and masked CRC32C over the length word and payload, both
// little-endian -- followed by the payload. Pure functions; thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace unmogrowp::log_format {

inline constexpr size_t kHeaderBytes = 8;
inline constexpr uint32_t kGroupStartFlag = 0x80000000u;
// Larger payloads are rejected by Append and are a bad record on disk.
inline constexpr uint32_t kMaxPayloadBytes = 16u << 20;

// A decoded record header. A plain value.
struct RecordHeader {
  uint32_t payload_bytes = 0;
  bool group_start = false;
  uint32_t masked_crc = 0;
};

// Decodes the first kHeaderBytes of `header` (which must hold that many).
RecordHeader DecodeHeader(const char* header);

// Appends one framed record (group-start flag clear) to `out`.
void AppendRecord(std::string_view payload, std::string* out);

// Sets the group-start flag on the record framed at `record` (header and
// payload in place) and rewrites its CRC, which covers the flag.
void MarkGroupStart(char* record);

// Rewrites the CRC of the record framed at `record` (header and payload in
// place) after its payload was changed in place. Length and flag are kept.
void RewriteCrc(char* record);

// True when `record` (header + exactly the payload its header announces) has
// a matching CRC.
bool CrcMatches(std::string_view record);

// Total framed size of a payload of `payload_bytes`.
inline constexpr uint64_t FramedSize(uint64_t payload_bytes) {
  return kHeaderBytes + payload_bytes;
}

}  // namespace unmogrowp::log_format
