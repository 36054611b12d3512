#include "meta/secret.h"

#include <sodium.h>

#include <cstring>

namespace unmogrowp {

namespace {

void EnsureSodiumInitialized() {
  // sodium_init only picks CPU-specific code paths; SHA-256 and sodium_memcmp
  // are correct without it, so its result (-1 only if it cannot init) does not
  // change ours.
  [[maybe_unused]] static const int kInit = sodium_init();
}

}  // namespace

SecretDigest HashSecret(std::string_view secret) {
  EnsureSodiumInitialized();
  SecretDigest digest;
  static_assert(sizeof(digest) == crypto_hash_sha256_BYTES);
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size());
  return digest;
}

bool DigestEquals(const SecretDigest& a, const SecretDigest& b) {
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool SecretEquals(std::string_view a, std::string_view b) {
  return DigestEquals(HashSecret(a), HashSecret(b));
}

size_t SecretDigestHash::operator()(const SecretDigest& d) const {
  size_t h;
  std::memcpy(&h, d.data(), sizeof(h));
  return h;
}

}  // namespace unmogrowp
