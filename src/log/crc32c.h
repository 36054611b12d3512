#pragma once

// CRC32C (Castagnoli): the checksum of every event-log record
// (docs/formats/event-log.md). Stateless and thread-safe.
//
// Why hand-written: no Debian package ships a C/C++ CRC32C library. Boost.CRC
// (header-only, already a dependency) computes it correctly but a byte at a
// time from a table (~0.4 GB/s here); the SSE4.2 `crc32` instruction does 8 bytes
// per instruction (~8 GB/s here), which matters because every accepted event
// is checksummed once on append and once per read. So: SSE4.2 when the CPU has
// it (checked at run time), Boost.CRC otherwise and as the test reference.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace unmogrowp::crc32c {

// Returns the CRC32C of concat(A, data[0,n)) given `crc` = CRC32C(A).
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view data) { return Value(data.data(), data.size()); }

// The portable implementation (Boost.CRC). Exposed for tests and benchmarks.
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);
// True when Extend uses the SSE4.2 instruction on this CPU.
bool HardwareAccelerated();

// leveldb's masking of stored CRCs: computing the CRC of a string that
// contains embedded CRCs is problematic, so what is stored is rotated and
// offset.
constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace unmogrowp::crc32c
