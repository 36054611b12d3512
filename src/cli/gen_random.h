#pragma once

// GenRandom: the generator's pseudo-random source. Every draw is a pure
// function of (seed, stream), implemented here rather than with <random>'s
// distributions, whose output is implementation-defined and would make
// `unmogrowp gen --seed N` differ between standard libraries. xoshiro256**
// for the stream, SplitMix64 to derive stream states from keys.
//
// Not thread-safe; cheap to copy. Make one per device (see HashKey).

#include <cmath>
#include <cstdint>

namespace unmogrowp {

// SplitMix64's finalizer: a bijective 64-bit mix.
inline uint64_t MixBits(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A well-mixed key for (a, b, c), e.g. (seed, device, purpose).
inline uint64_t HashKey(uint64_t a, uint64_t b, uint64_t c = 0) {
  return MixBits(MixBits(MixBits(a) ^ b) ^ c);
}

class GenRandom {
 public:
  explicit GenRandom(uint64_t key) {
    for (uint64_t& s : state_) {
      key = MixBits(key);
      s = key;
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n); n > 0. Lemire's multiply-shift (bias < 2^-32 for our n).
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  bool Chance(double p) { return Uniform() < p; }
  // Exponential with the given mean.
  double Exponential(double mean) { return -mean * std::log1p(-Uniform()); }
  // Standard normal (Box-Muller; the second value is dropped to keep draws simple).
  double Normal() {
    double u1 = 1.0 - Uniform();  // (0, 1]
    double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double LogNormal(double mu, double sigma) { return std::exp(mu + sigma * Normal()); }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t state_[4];
};

}  // namespace unmogrowp
