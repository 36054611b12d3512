#include "clickhouse/row_binary.h"

#include <fmt/format.h>

#include <utility>

namespace unmogrowp {

void RowBinaryWriter::PutVarUInt(uint64_t v) {
  char bytes[10];
  size_t n = 0;
  while (v >= 0x80) {
    bytes[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  bytes[n++] = static_cast<char>(v);
  buffer_.append(bytes, n);
}

void RowBinaryWriter::PutString(std::string_view s) {
  PutVarUInt(s.size());
  buffer_.append(s);
}

std::string RowBinaryWriter::Release() {
  std::string out = std::move(buffer_);
  buffer_.clear();
  return out;
}

Status RowBinaryReader::ShortInput(std::string_view what, size_t needed) const {
  return Status::Corruption(fmt::format("RowBinary: {} at byte {} needs {} bytes, {} left", what,
                                        pos_, needed, remaining()));
}

Result<uint64_t> RowBinaryReader::ReadVarUInt() {
  uint64_t v = 0;
  size_t p = pos_;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p == data_.size()) return ShortInput("a LEB128 number", p - pos_ + 1);
    const auto byte = static_cast<uint8_t>(data_[p++]);
    // The tenth byte may only hold bit 63.
    if (shift == 63 && byte > 1) {
      return Status::Corruption(
          fmt::format("RowBinary: LEB128 number at byte {} overflows 64 bits", pos_));
    }
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      pos_ = p;
      return v;
    }
  }
  return Status::Corruption(fmt::format("RowBinary: LEB128 number at byte {} is too long", pos_));
}

Result<std::string_view> RowBinaryReader::ReadString() {
  const size_t start = pos_;
  UM_ASSIGN_OR_RETURN(uint64_t size, ReadVarUInt());
  if (size > remaining()) {
    const size_t needed = pos_ - start + size;
    pos_ = start;
    return ShortInput("a String", needed);
  }
  std::string_view s = data_.substr(pos_, size);
  pos_ += size;
  return s;
}

Result<uint64_t> RowBinaryReader::ReadArraySize() {
  const size_t start = pos_;
  UM_ASSIGN_OR_RETURN(uint64_t count, ReadVarUInt());
  if (count > remaining()) {
    const size_t left = remaining();
    pos_ = start;
    return Status::Corruption(fmt::format(
        "RowBinary: Array at byte {} claims {} elements, only {} bytes left", start, count, left));
  }
  return count;
}

}  // namespace unmogrowp
