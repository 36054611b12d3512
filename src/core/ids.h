#pragma once

// Identifiers: UUIDv7 event ids (time-ordered, so generated ids of one app
// sort roughly by arrival), random tokens for API keys and admin tokens.

#include <cstdint>
#include <random>
#include <string>

namespace unmogrowp {

// A fast per-thread generator for ids that need uniqueness, not secrecy.
// Seeded from std::random_device; not thread-safe (keep one per thread).
class IdGenerator {
 public:
  IdGenerator();
  explicit IdGenerator(uint64_t seed) : rng_(seed) {}

  // RFC 9562 UUIDv7 text (36 chars, lower-case): 48-bit ms timestamp, 74 random bits.
  std::string NewUuidV7(int64_t now_ms);
  // Writes the 36 chars into out[0..36).
  void NewUuidV7(int64_t now_ms, char* out);

 private:
  std::mt19937_64 rng_;
};

// The calling thread's generator.
IdGenerator& ThreadIdGenerator();

// `bytes` bytes from the OS CSPRNG as lower-case hex (2*bytes chars), for
// secrets such as API keys and admin tokens.
std::string RandomHexToken(size_t bytes);

// True when `s` is the 36-char canonical form of a UUID (any version).
bool LooksLikeUuid(std::string_view s);

}  // namespace unmogrowp
