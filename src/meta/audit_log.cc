#include "meta/audit_log.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <limits>

namespace unmogrowp {

AuditListBounds AuditListBoundsFor(size_t limit, int64_t before_id) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return AuditListBounds{before_id == 0 ? kMax : before_id,
                         static_cast<int64_t>(std::min<size_t>(limit, static_cast<size_t>(kMax)))};
}

std::string DeviceTarget(std::string_view device_id) {
  // SHA-256 needs no sodium_init: only the CPU-specific fast paths do.
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(device_id.data()),
                     device_id.size());
  constexpr char kHex[] = "0123456789abcdef";
  std::string target = "device_sha256:";
  for (unsigned char byte : digest) {
    target.push_back(kHex[byte >> 4]);
    target.push_back(kHex[byte & 0xf]);
  }
  return target;
}

}  // namespace unmogrowp
