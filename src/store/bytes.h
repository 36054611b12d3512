#pragma once

// Byte encoding of the state store's keys and values: little helpers to
// append and read fixed-width integers (big-endian, so keys sort by number),
// varints and length-prefixed strings. Written here rather than borrowed from
// RocksDB because its coding helpers are not part of its public API; the
// formats built from them are described in docs/formats/state-store.md.
//
// ByteReader never reads past its input: a short or malformed input makes
// every later read fail and ok() false, so decoders check once at the end.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace unmogrowp::store {

// Appends `v` as 8 big-endian bytes (keys: byte order = numeric order).
void PutBigEndian64(uint64_t v, std::string* out);
void PutBigEndian32(uint32_t v, std::string* out);
// Signed values with the sign bit flipped, so negative numbers sort first.
inline void PutOrderedInt64(int64_t v, std::string* out) {
  PutBigEndian64(static_cast<uint64_t>(v) ^ (uint64_t{1} << 63), out);
}
void PutVarint(uint64_t v, std::string* out);
// Zig-zag varint for signed values.
inline void PutSignedVarint(int64_t v, std::string* out) {
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}
// Varint length, then the bytes. In a key, a length prefix keeps a composite
// key unambiguous whatever bytes the parts contain.
void PutLengthPrefixed(std::string_view s, std::string* out);
void PutDouble(double v, std::string* out);

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  uint64_t BigEndian64();
  uint32_t BigEndian32();
  int64_t OrderedInt64() { return static_cast<int64_t>(BigEndian64() ^ (uint64_t{1} << 63)); }
  uint64_t Varint();
  int64_t SignedVarint() {
    uint64_t u = Varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  std::string_view LengthPrefixed();
  double Double();
  uint8_t Byte();

  // False once any read ran out of input or met a malformed varint.
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  bool Fail() {
    ok_ = false;
    in_ = {};
    return false;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace unmogrowp::store
