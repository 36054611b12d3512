#pragma once

// Hashing and constant-time comparison of secrets (API keys, admin tokens),
// on libsodium. Stateless functions; safe from any thread.

#include <array>
#include <cstddef>
#include <string_view>

namespace unmogrowp {

// SHA-256 of a secret. Our secrets are >= 128 random bits, so a plain
// (unsalted) fast hash is enough: it cannot be brute-forced back to the key.
using SecretDigest = std::array<unsigned char, 32>;

SecretDigest HashSecret(std::string_view secret);

// Constant-time equality of two digests (sodium_memcmp).
bool DigestEquals(const SecretDigest& a, const SecretDigest& b);

// Constant-time equality of two secrets: compares their digests, so neither
// the time taken nor an early exit reveals a common prefix or the length.
bool SecretEquals(std::string_view a, std::string_view b);

// For unordered containers keyed by digest: the digest is uniformly random,
// so its first bytes are already a good hash.
struct SecretDigestHash {
  size_t operator()(const SecretDigest& d) const;
};

// For unordered containers keyed by digest: constant-time equality.
struct SecretDigestEq {
  bool operator()(const SecretDigest& a, const SecretDigest& b) const { return DigestEquals(a, b); }
};

}  // namespace unmogrowp
