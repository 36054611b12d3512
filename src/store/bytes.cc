#include "store/bytes.h"

namespace unmogrowp::store {

void PutBigEndian64(uint64_t v, std::string* out) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 8);
}

void PutBigEndian32(uint32_t v, std::string* out) {
  char b[4];
  for (int i = 3; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 4);
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutLengthPrefixed(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

void PutDouble(double v, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  PutBigEndian64(bits, out);
}

uint64_t ByteReader::BigEndian64() {
  if (in_.size() < 8) return Fail();
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in_[i]);
  in_.remove_prefix(8);
  return v;
}

uint32_t ByteReader::BigEndian32() {
  if (in_.size() < 4) return Fail();
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(in_[i]);
  in_.remove_prefix(4);
  return v;
}

uint64_t ByteReader::Varint() {
  uint64_t v = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (in_.empty()) return Fail();
    uint8_t byte = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  return Fail();
}

std::string_view ByteReader::LengthPrefixed() {
  uint64_t n = Varint();
  if (!ok_ || n > in_.size()) {
    Fail();
    return {};
  }
  std::string_view s = in_.substr(0, n);
  in_.remove_prefix(n);
  return s;
}

double ByteReader::Double() {
  uint64_t bits = BigEndian64();
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

uint8_t ByteReader::Byte() {
  if (in_.empty()) return Fail();
  uint8_t b = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return b;
}

}  // namespace unmogrowp::store
