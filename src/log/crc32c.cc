#include "log/crc32c.h"

#include <nmmintrin.h>

#include <boost/crc.hpp>
#include <cstring>

namespace unmogrowp::crc32c {

namespace {

// Reflected CRC32C, init and final xor ~0: crc32c("123456789") = 0xE3069283.
using BoostCrc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const char* data, size_t n) {
  uint64_t state = ~crc;
  const char* p = data;
  const char* end = data + n;
  while (p < end && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    state = _mm_crc32_u8(static_cast<uint32_t>(state), static_cast<uint8_t>(*p++));
  }
  while (end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    state = _mm_crc32_u64(state, word);
    p += 8;
  }
  while (p < end) {
    state = _mm_crc32_u8(static_cast<uint32_t>(state), static_cast<uint8_t>(*p++));
  }
  return ~static_cast<uint32_t>(state);
}

bool CpuHasSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

const bool kHasSse42 = CpuHasSse42();

}  // namespace

uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n) {
  // Boost takes the initial remainder unreflected; continuing from a previous
  // CRC means starting from its register: final xor undone, bits reversed.
  uint32_t reg = crc ^ 0xFFFFFFFFu;
  uint32_t unreflected = 0;
  for (int bit = 0; bit < 32; ++bit) unreflected |= ((reg >> bit) & 1u) << (31 - bit);
  BoostCrc32c boost_crc(unreflected);
  boost_crc.process_bytes(data, n);
  return boost_crc.checksum();
}

bool HardwareAccelerated() { return kHasSse42; }

uint32_t Extend(uint32_t crc, const char* data, size_t n) {
  return kHasSse42 ? ExtendSse42(crc, data, n) : ExtendPortable(crc, data, n);
}

}  // namespace unmogrowp::crc32c
