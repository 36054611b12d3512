#include "core/ids.h"

#include <sys/random.h>

#include <cassert>
#include <string_view>

namespace unmogrowp {

namespace {
constexpr char kHex[] = "0123456789abcdef";
}

IdGenerator::IdGenerator() {
  std::random_device rd;
  std::seed_seq seq{rd(), rd(), rd(), rd()};
  rng_.seed(seq);
}

void IdGenerator::NewUuidV7(int64_t now_ms, char* out) {
  uint8_t b[16];
  uint64_t ts = static_cast<uint64_t>(now_ms) & 0xFFFFFFFFFFFFull;
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ts >> (40 - 8 * i));
  uint64_t r1 = rng_();
  uint64_t r2 = rng_();
  for (int i = 0; i < 2; ++i) b[6 + i] = static_cast<uint8_t>(r1 >> (8 * i));
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<uint8_t>(r2 >> (8 * i));
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x70);  // version 7
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  int o = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = kHex[b[i] >> 4];
    out[o++] = kHex[b[i] & 0xF];
  }
}

std::string IdGenerator::NewUuidV7(int64_t now_ms) {
  std::string s(36, '\0');
  NewUuidV7(now_ms, s.data());
  return s;
}

IdGenerator& ThreadIdGenerator() {
  thread_local IdGenerator generator;
  return generator;
}

std::string RandomHexToken(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = getrandom(raw.data() + got, bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::string hex(bytes * 2, '\0');
  for (size_t i = 0; i < bytes; ++i) {
    auto c = static_cast<uint8_t>(raw[i]);
    hex[2 * i] = kHex[c >> 4];
    hex[2 * i + 1] = kHex[c & 0xF];
  }
  return hex;
}

bool LooksLikeUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace unmogrowp
