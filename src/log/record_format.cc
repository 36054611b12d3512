#include "log/record_format.h"

#include <cassert>

#include "log/crc32c.h"

namespace unmogrowp::log_format {

namespace {

uint32_t LoadLe32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

void StoreLe32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v & 0xff);
  p[1] = static_cast<char>((v >> 8) & 0xff);
  p[2] = static_cast<char>((v >> 16) & 0xff);
  p[3] = static_cast<char>((v >> 24) & 0xff);
}

// CRC over the length word (bytes 0..3) and the payload, skipping the CRC field.
uint32_t RecordCrc(const char* record, size_t payload_bytes) {
  uint32_t crc = crc32c::Value(record, 4);
  return crc32c::Extend(crc, record + kHeaderBytes, payload_bytes);
}

}  // namespace

RecordHeader DecodeHeader(const char* header) {
  uint32_t word = LoadLe32(header);
  return RecordHeader{word & ~kGroupStartFlag, (word & kGroupStartFlag) != 0, LoadLe32(header + 4)};
}

void AppendRecord(std::string_view payload, std::string* out) {
  assert(payload.size() <= kMaxPayloadBytes);
  size_t start = out->size();
  out->resize(start + kHeaderBytes);
  out->append(payload);
  char* record = out->data() + start;
  StoreLe32(record, static_cast<uint32_t>(payload.size()));
  StoreLe32(record + 4, crc32c::Mask(RecordCrc(record, payload.size())));
}

void MarkGroupStart(char* record) {
  uint32_t word = LoadLe32(record) | kGroupStartFlag;
  StoreLe32(record, word);
  StoreLe32(record + 4, crc32c::Mask(RecordCrc(record, word & ~kGroupStartFlag)));
}

void RewriteCrc(char* record) {
  StoreLe32(record + 4, crc32c::Mask(RecordCrc(record, LoadLe32(record) & ~kGroupStartFlag)));
}

bool CrcMatches(std::string_view record) {
  assert(record.size() >= kHeaderBytes);
  RecordHeader header = DecodeHeader(record.data());
  assert(record.size() == kHeaderBytes + header.payload_bytes);
  return crc32c::Unmask(header.masked_crc) == RecordCrc(record.data(), header.payload_bytes);
}

}  // namespace unmogrowp::log_format
