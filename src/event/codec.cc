#include "event/codec.h"

#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>

namespace unmogrowp {

namespace {

constexpr size_t kStringFieldCount = 12;
constexpr uint16_t kReservedBits = static_cast<uint16_t>(~((1u << kStringFieldCount) - 1));

// The string fields in bit order (see codec.h).
template <typename E>
auto StringFields(E& e) {
  return std::array{&e.app_id,  &e.event_id, &e.event_type, &e.device_id,
                    &e.user_id, &e.ip,       &e.user_agent, &e.source,
                    &e.medium,  &e.campaign, &e.currency,   &e.properties};
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Reads a record from a string_view, refusing to step past its end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : p_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool AtEnd() const { return p_ == end_; }

  bool Byte(uint8_t* v) {
    if (p_ == end_) return false;
    *v = static_cast<uint8_t>(*p_++);
    return true;
  }

  bool Fixed(void* dst, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    std::memcpy(dst, p_, n);
    p_ += n;
    return true;
  }

  // Minimal LEB128 only: a trailing zero byte or a tenth byte above 1 is
  // rejected, so each value has exactly one encoding.
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!Byte(&b)) return false;
      if (shift == 63 && b > 1) return false;
      result |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift != 0) return false;
        *v = result;
        return true;
      }
    }
    return false;
  }

  bool Bytes(size_t n, std::string_view* v) {
    if (static_cast<size_t>(end_ - p_) < n) return false;
    *v = std::string_view(p_, n);
    p_ += n;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

Status Truncated(std::string_view what) {
  return Status::Corruption(std::string("event record is truncated or malformed in ") +
                            std::string(what));
}

}  // namespace

void AppendEncoded(const EventView& event, std::string* out) {
  assert(std::isfinite(event.revenue));
  const auto fields = StringFields(event);
  const uint64_t ts = ZigZag(event.timestamp_ms);
  const uint64_t received = ZigZag(event.received_ms);
  uint16_t presence = 0;
  size_t size = 2 + VarintSize(ts) + VarintSize(received) + 8 + 2;
  for (size_t i = 0; i < kStringFieldCount; ++i) {
    const size_t n = fields[i]->size();
    if (n == 0) continue;
    presence = static_cast<uint16_t>(presence | (1u << i));
    size += VarintSize(n) + n;
  }

  const size_t start = out->size();
  out->resize(start + size);
  char* p = out->data() + start;
  *p++ = static_cast<char>(kEventFormatVersion);
  *p++ = static_cast<char>(KindOfEventType(event.event_type));
  p = PutVarint(p, ts);
  p = PutVarint(p, received);
  const uint64_t revenue_bits = std::bit_cast<uint64_t>(event.revenue);
  for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(revenue_bits >> (8 * i));
  *p++ = static_cast<char>(presence & 0xFF);
  *p++ = static_cast<char>(presence >> 8);
  for (size_t i = 0; i < kStringFieldCount; ++i) {
    const std::string_view s = *fields[i];
    if (s.empty()) continue;
    p = PutVarint(p, s.size());
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  assert(p == out->data() + out->size());
}

Status DecodeEncoded(std::string_view bytes, EventView* out) {
  Reader r(bytes);
  uint8_t version;
  if (!r.Byte(&version)) return Truncated("the format version");
  if (version != kEventFormatVersion) {
    return Status::Corruption("event record has unknown format version " +
                              std::to_string(static_cast<int>(version)));
  }
  uint8_t kind;
  if (!r.Byte(&kind)) return Truncated("the kind");
  if (kind < static_cast<uint8_t>(EventKind::kClick) ||
      kind > static_cast<uint8_t>(EventKind::kInApp)) {
    return Status::Corruption("event record has unknown kind " +
                              std::to_string(static_cast<int>(kind)));
  }
  uint64_t v;
  if (!r.Varint(&v)) return Truncated("timestamp_ms");
  out->timestamp_ms = UnZigZag(v);
  if (!r.Varint(&v)) return Truncated("received_ms");
  out->received_ms = UnZigZag(v);
  uint8_t raw[8];
  if (!r.Fixed(raw, 8)) return Truncated("revenue");
  uint64_t revenue_bits = 0;
  for (int i = 0; i < 8; ++i) revenue_bits |= static_cast<uint64_t>(raw[i]) << (8 * i);
  out->revenue = std::bit_cast<double>(revenue_bits);
  if (!std::isfinite(out->revenue))
    return Status::Corruption("event record has non-finite revenue");
  if (!r.Fixed(raw, 2)) return Truncated("the presence bitmask");
  const auto presence = static_cast<uint16_t>(raw[0] | (raw[1] << 8));
  if (presence & kReservedBits) return Status::Corruption("event record sets reserved field bits");

  const auto fields = StringFields(*out);
  for (size_t i = 0; i < kStringFieldCount; ++i) {
    *fields[i] = std::string_view();
    if ((presence & (1u << i)) == 0) continue;
    if (!r.Varint(&v) || v == 0 || !r.Bytes(v, fields[i])) return Truncated("a string field");
  }
  if (!r.AtEnd()) return Status::Corruption("event record has trailing bytes");
  if (static_cast<uint8_t>(KindOfEventType(out->event_type)) != kind) {
    return Status::Corruption("event record kind does not match its event_type");
  }
  return Status::OK();
}

}  // namespace unmogrowp
