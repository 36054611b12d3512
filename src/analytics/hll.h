#pragma once

// HyperLogLog: a distinct-count sketch of device ids, kept per app and UTC day
// (and per channel / event type), persisted in the state store and merged over
// date ranges for the stats report's unique_devices. Counts of up to about
// 2,600 are exact in practice; larger ones have ~0.81% standard error, up to
// billions.
//
// Written here because no Debian package offers a maintained HyperLogLog
// library for C++ (Debian 12 has only Go, Perl and PostgreSQL ones). The hash
// is Debian's xxHash (XXH3_64bits, seed 0), stable across xxHash releases
// since 0.8.0; persisted sketches depend on it, so it must never change.
//
// Two forms, as in HLL++ (Heule, Nunkesser and Hall, 2013):
//
// Sparse (every new sketch): one entry per distinct 25-bit index seen, with
// idx25 = the top 25 bits of the hash and rank25 = the leading zeros of the
// remaining 39 bits + 1 (at most 40); an index keeps its largest rank. The
// estimate is linear counting over m' = 2^25 buckets: n = m' ln(m' / (m' - k))
// for k entries. Two distinct items share an entry only when their hashes
// share their top 25 bits (about n^2 / 2^26 such pairs among n items: 0.015
// at n = 1,000, 0.1 at n = 2,600). Up to k = 5,792 entries the estimate
// rounds to k (it adds the k^2 / 2^26 collisions expected, under 0.5), so
// Count() is exactly n unless such a pair occurred, and n - 1 per pair if so.
//
// Dense: 16384 one-byte registers (precision 14), index = the top 14 bits of
// the hash, rank = the leading zeros of the remaining 50 bits + 1 (at most
// 51); a register keeps its largest rank. The estimate is Otmar Ertl's
// improved raw estimator ("New cardinality estimation algorithms for
// HyperLogLog sketches", 2017), which needs no bias tables.
//
// A sketch turns dense for good once its sparse entries' encoding (below)
// would take more than 8192 bytes, half the dense size (about 2,650 entries).
// Each entry folds into register idx25 >> 11 with the rank AddHash gives its
// hash in dense form: if the low 11 bits of idx25 are not all zero, their
// leading zeros within those 11 bits + 1; else 11 + rank25 (at most 51). So a
// sketch built sparse and then turned dense has exactly the registers of one
// built dense from the start, and merging commutes with the switch. The
// estimate moves at the switch from exact to the dense form's accuracy
// (about 0.5% standard error there). Which form a sketch is in can depend on
// the order of its adds and merges when its sparse encoding would be within a
// few bytes of the limit: raising a rank can shorten the next entry's delta by
// a byte, so an intermediate state may pass the limit that the end state would
// not.
//
// Encoding (Encode/Decode; persisted, so change it only by adding a version):
//   byte 0   format version: 2. Version 1 (sparse entries with 14-bit indexes)
//            never shipped; Decode rejects it like any other version.
//   byte 1   form: 1 = sparse, 2 = dense
//   sparse   varint k, the number of entries (0: empty sketch); then k
//            varints: entries e = idx25 << 6 | rank25 (idx25 < 2^25, rank25
//            1..40) in strictly increasing idx25 order, each written as
//            e_i - e_(i-1) with e_(-1) = 0. The k deltas take at most 8192
//            bytes (a larger sketch is written dense).
//   dense    exactly 16384 bytes, register i at byte 2 + i, each 0..51.
//   Varints are LEB128 (7 bits a byte, least significant first, high bit set
//   on all but the last byte) in their shortest form.
// Decode rejects with Corruption anything Encode does not produce: another
// version or form, an idx25 past 2^25 - 1, a sparse rank of 0 or above 40,
// unsorted or duplicate sparse entries, non-shortest varints, more than 8192
// bytes of sparse entries, a dense rank above 51, a wrong length or trailing
// bytes. It accepts a dense encoding with any register values 0..51 (a union
// or a decoded dense sketch can be dense with few registers set).
//
// A value type, cheap to copy while sparse. Not synchronized: concurrent
// const calls are safe, a mutation needs exclusive access.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace unmogrowp::analytics {

class HyperLogLog {
 public:
  static constexpr int kPrecision = 14;        // dense: 16384 registers, ~0.81% standard error
  static constexpr int kSparsePrecision = 25;  // sparse: 2^25 linear-counting buckets
  // The most bytes a sparse form's entry deltas take; past it the sketch is dense.
  static constexpr size_t kMaxSparseBytes = 8192;

  // XXH3_64bits of the item, seed 0.
  static uint64_t Hash(std::string_view item);

  void Add(std::string_view item) { AddHash(Hash(item)); }
  void AddHash(uint64_t hash) {
    if (dense_.empty()) {
      AddSparse(hash);
      return;
    }
    const uint32_t index = static_cast<uint32_t>(hash >> kRankBits);
    // The set bit below the rank bits caps the rank at 51.
    const auto rank = static_cast<uint8_t>(
        std::countl_zero((hash << kPrecision) | (uint64_t{1} << (kPrecision - 1))) + 1);
    if (rank > dense_[index]) dense_[index] = rank;
  }

  // Unions `other` into this sketch (the result is dense if either is, or if
  // the union outgrows the sparse form).
  void Merge(const HyperLogLog& other);
  // Merges an encoding made by Encode() without building a second sketch (and
  // without allocating when both are dense); Corruption on bad bytes, and then
  // this sketch is unchanged.
  Status MergeEncoded(std::string_view bytes);

  double Estimate() const;
  // llround(Estimate()), 0 for an empty sketch.
  uint64_t Count() const;
  bool empty() const;

  std::string Encode() const;
  static Result<HyperLogLog> Decode(std::string_view bytes);

  // Same information: two sparse sketches are equal when their entries are,
  // two dense ones when their registers are, and a sparse and a dense one when
  // the sparse one's entries, folded into registers as at the switch to dense,
  // equal the dense one's registers. Across forms this is not transitive: two
  // different sparse sketches can both equal one dense sketch.
  bool operator==(const HyperLogLog& other) const;

 private:
  static constexpr int kRankBits = 64 - kPrecision;

  void AddSparse(uint64_t hash);
  // Adds one sparse entry (idx25 << 6 | rank25), in either form.
  void AddEntry(uint32_t entry);
  // Adds one entry to the sparse form; turns dense when it outgrows it.
  void InsertSparseEntry(uint32_t entry);
  // Unions sorted, index-unique `entries` into this sketch (either form).
  void MergeSparseEntries(const std::vector<uint32_t>& entries);
  // Switches to the dense form.
  void ToDense();

  // Sparse form: entries (idx25 << 6 | rank25) in increasing order, and the
  // bytes their delta varints take in the encoding. Empty while dense.
  std::vector<uint32_t> sparse_;
  size_t sparse_bytes_ = 0;
  // Dense form: 16384 registers, one rank each; empty while sparse.
  std::vector<uint8_t> dense_;
};

}  // namespace unmogrowp::analytics
