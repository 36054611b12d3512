#include "analytics/hll.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>
#include <numbers>

namespace unmogrowp::analytics {
namespace {

constexpr uint32_t kRegisters = uint32_t{1} << HyperLogLog::kPrecision;
constexpr uint8_t kMaxRank = 64 - HyperLogLog::kPrecision + 1;
// Sparse entries: idx25 << kEntryRankBits | rank25.
constexpr int kSparseRankBits = 64 - HyperLogLog::kSparsePrecision;
constexpr uint8_t kMaxSparseRank = kSparseRankBits + 1;
constexpr uint32_t kSparseIndexes = uint32_t{1} << HyperLogLog::kSparsePrecision;
constexpr int kEntryRankBits = 6;
constexpr uint32_t kEntryRankMask = (uint32_t{1} << kEntryRankBits) - 1;
static_assert(kMaxSparseRank <= kEntryRankMask);
static_assert(HyperLogLog::kSparsePrecision + kEntryRankBits <= 32);
// The idx25 bits below the register index: they start the dense rank bits.
constexpr int kFoldBits = HyperLogLog::kSparsePrecision - HyperLogLog::kPrecision;
constexpr uint32_t kFoldMask = (uint32_t{1} << kFoldBits) - 1;
static_assert(kFoldBits + kMaxSparseRank == kMaxRank);
// Merging this few entries into a sparse sketch inserts them one by one (the
// pipeline adds one device at a time) instead of rebuilding the entries.
constexpr size_t kMaxEntriesInsertedOneByOne = 8;

constexpr uint8_t kFormatVersion = 2;
constexpr uint8_t kFormSparse = 1;
constexpr uint8_t kFormDense = 2;
constexpr size_t kHeaderBytes = 2;

uint32_t EntryIndex(uint32_t entry) { return entry >> kEntryRankBits; }
uint8_t EntryRank(uint32_t entry) { return static_cast<uint8_t>(entry & kEntryRankMask); }

// The dense register an entry folds into, and the rank there: the rank the
// entry's hash has in dense form (see hll.h).
uint32_t DenseIndex(uint32_t entry) { return EntryIndex(entry) >> kFoldBits; }
uint8_t DenseRank(uint32_t entry) {
  const uint32_t fold_bits = EntryIndex(entry) & kFoldMask;
  if (fold_bits != 0) {
    return static_cast<uint8_t>(std::countl_zero(fold_bits) - (32 - kFoldBits) + 1);
  }
  return static_cast<uint8_t>(kFoldBits + EntryRank(entry));
}

void FoldInto(uint8_t* registers, uint32_t entry) {
  uint8_t& reg = registers[DenseIndex(entry)];
  reg = std::max(reg, DenseRank(entry));
}

size_t VarintSize(uint32_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

void PutVarint(uint32_t v, std::string* out) {
  for (; v >= 0x80; v >>= 7) out->push_back(static_cast<char>((v & 0x7f) | 0x80));
  out->push_back(static_cast<char>(v));
}

// Reads a varint in its shortest form that fits 32 bits; false otherwise or
// when `in` runs out.
bool GetVarint(std::string_view* in, uint32_t* v) {
  uint64_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (in->empty()) return false;
    const auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) {
      if (byte == 0 && shift > 0) return false;
      if (value > std::numeric_limits<uint32_t>::max()) return false;
      *v = static_cast<uint32_t>(value);
      return true;
    }
  }
  return false;
}

// Checks the sparse payload (after the header) and calls `fn(entry)` for each
// entry in order, stopping at the first fault. `*entry_bytes` gets the bytes
// the entries' deltas take.
template <typename Fn>
Status ForEachSparseEntry(std::string_view in, size_t* entry_bytes, Fn&& fn) {
  uint32_t n = 0;
  if (!GetVarint(&in, &n)) return Status::Corruption("hll sketch: malformed sparse entry count");
  if (in.size() > HyperLogLog::kMaxSparseBytes) {
    return Status::Corruption("hll sketch: sparse form larger than its limit");
  }
  // Every entry takes at least one byte: no bigger count can be honest.
  if (n > in.size()) return Status::Corruption("hll sketch: sparse form is truncated");
  const size_t start_size = in.size();
  uint32_t prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t delta = 0;
    if (!GetVarint(&in, &delta)) {
      return Status::Corruption("hll sketch: truncated or malformed sparse entry");
    }
    const uint64_t entry = uint64_t{prev} + delta;
    if (entry >= (uint64_t{kSparseIndexes} << kEntryRankBits)) {
      return Status::Corruption("hll sketch: sparse entry index out of range");
    }
    const auto e = static_cast<uint32_t>(entry);
    if (EntryRank(e) == 0 || EntryRank(e) > kMaxSparseRank) {
      return Status::Corruption("hll sketch: sparse entry rank out of range");
    }
    if (i > 0 && EntryIndex(e) <= EntryIndex(prev)) {
      return Status::Corruption("hll sketch: sparse entries unsorted or duplicated");
    }
    fn(e);
    prev = e;
  }
  if (!in.empty()) return Status::Corruption("hll sketch: trailing bytes after sparse entries");
  *entry_bytes = start_size;
  return Status::OK();
}

// Register-wise max; plain loops so the compiler vectorizes them. `dst` and
// `src` never overlap (Merge skips merging a sketch into itself); saying so
// spares GCC's -O2 cost model a runtime alias check it would not vectorize past.
void MaxInto(uint8_t* __restrict dst, const uint8_t* __restrict src) {
  for (uint32_t i = 0; i < kRegisters; ++i) dst[i] = std::max(dst[i], src[i]);
}

uint8_t MaxRegister(const uint8_t* registers) {
  uint8_t max = 0;
  for (uint32_t i = 0; i < kRegisters; ++i) max = std::max(max, registers[i]);
  return max;
}

// sigma and tau from Ertl (2017), section 4; each series is summed until the
// sum stops changing in double precision.
double Sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0;
  double z = x;
  double z_prev = 0.0;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z != z_prev);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  double z_prev = 0.0;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != z_prev);
  return z / 3.0;
}

}  // namespace

uint64_t HyperLogLog::Hash(std::string_view item) { return XXH3_64bits(item.data(), item.size()); }

void HyperLogLog::AddSparse(uint64_t hash) {
  const auto index = static_cast<uint32_t>(hash >> kSparseRankBits);
  // The set bit below the rank bits caps the rank at kMaxSparseRank.
  const uint64_t rank_bits = (hash << kSparsePrecision) | (uint64_t{1} << (kSparsePrecision - 1));
  const auto rank = static_cast<uint32_t>(std::countl_zero(rank_bits) + 1);
  InsertSparseEntry(index << kEntryRankBits | rank);
}

void HyperLogLog::AddEntry(uint32_t entry) {
  if (dense_.empty()) {
    InsertSparseEntry(entry);
  } else {
    FoldInto(dense_.data(), entry);
  }
}

void HyperLogLog::InsertSparseEntry(uint32_t entry) {
  const uint32_t index = EntryIndex(entry);
  auto it = std::lower_bound(sparse_.begin(), sparse_.end(), index << kEntryRankBits);
  const uint32_t prev = it == sparse_.begin() ? 0 : *(it - 1);
  // Keep sparse_bytes_ exact: only the deltas next to `entry` change.
  if (it != sparse_.end() && EntryIndex(*it) == index) {
    const uint32_t old = *it;
    if (old >= entry) return;
    sparse_bytes_ = sparse_bytes_ + VarintSize(entry - prev) - VarintSize(old - prev);
    if (it + 1 != sparse_.end()) {
      const uint32_t next = *(it + 1);
      sparse_bytes_ = sparse_bytes_ + VarintSize(next - entry) - VarintSize(next - old);
    }
    *it = entry;
  } else {
    sparse_bytes_ += VarintSize(entry - prev);
    if (it != sparse_.end()) {
      sparse_bytes_ = sparse_bytes_ + VarintSize(*it - entry) - VarintSize(*it - prev);
    }
    sparse_.insert(it, entry);
  }
  if (sparse_bytes_ > kMaxSparseBytes) ToDense();
}

void HyperLogLog::MergeSparseEntries(const std::vector<uint32_t>& entries) {
  if (entries.empty()) return;
  if (!dense_.empty()) {
    for (uint32_t entry : entries) FoldInto(dense_.data(), entry);
    return;
  }
  if (sparse_.empty()) {
    size_t bytes = 0;
    uint32_t prev = 0;
    for (uint32_t entry : entries) {
      bytes += VarintSize(entry - prev);
      prev = entry;
    }
    sparse_ = entries;
    sparse_bytes_ = bytes;
    if (sparse_bytes_ > kMaxSparseBytes) ToDense();
    return;
  }
  if (entries.size() <= kMaxEntriesInsertedOneByOne) {
    for (uint32_t entry : entries) AddEntry(entry);
    return;
  }
  std::vector<uint32_t> merged;
  merged.reserve(sparse_.size() + entries.size());
  size_t bytes = 0;
  uint32_t prev = 0;
  auto emit = [&](uint32_t entry) {
    bytes += VarintSize(entry - prev);
    prev = entry;
    merged.push_back(entry);
  };
  auto a = sparse_.begin();
  auto b = entries.begin();
  while (a != sparse_.end() && b != entries.end()) {
    if (EntryIndex(*a) < EntryIndex(*b)) {
      emit(*a++);
    } else if (EntryIndex(*b) < EntryIndex(*a)) {
      emit(*b++);
    } else {
      emit(std::max(*a++, *b++));  // same index: the larger entry has the larger rank
    }
  }
  for (; a != sparse_.end(); ++a) emit(*a);
  for (; b != entries.end(); ++b) emit(*b);
  sparse_ = std::move(merged);
  sparse_bytes_ = bytes;
  if (sparse_bytes_ > kMaxSparseBytes) ToDense();
}

void HyperLogLog::ToDense() {
  dense_.assign(kRegisters, 0);
  for (uint32_t entry : sparse_) FoldInto(dense_.data(), entry);
  std::vector<uint32_t>().swap(sparse_);
  sparse_bytes_ = 0;
}

void HyperLogLog::Merge(const HyperLogLog& other) {
  if (&other == this) return;
  if (other.dense_.empty()) {
    MergeSparseEntries(other.sparse_);
    return;
  }
  if (dense_.empty()) ToDense();
  MaxInto(dense_.data(), other.dense_.data());
}

Status HyperLogLog::MergeEncoded(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes) return Status::Corruption("hll sketch: truncated header");
  if (static_cast<uint8_t>(bytes[0]) != kFormatVersion) {
    return Status::Corruption("hll sketch: unknown format version " +
                              std::to_string(static_cast<uint8_t>(bytes[0])));
  }
  const auto form = static_cast<uint8_t>(bytes[1]);
  const std::string_view payload = bytes.substr(kHeaderBytes);
  if (form == kFormDense) {
    if (payload.size() != kRegisters) {
      return Status::Corruption("hll sketch: dense form has " + std::to_string(payload.size()) +
                                " registers, want 16384");
    }
    const auto* registers = reinterpret_cast<const uint8_t*>(payload.data());
    if (MaxRegister(registers) > kMaxRank) {
      return Status::Corruption("hll sketch: dense register rank out of range");
    }
    if (dense_.empty()) ToDense();
    MaxInto(dense_.data(), registers);
    return Status::OK();
  }
  if (form != kFormSparse) {
    return Status::Corruption("hll sketch: unknown form " + std::to_string(form));
  }
  size_t entry_bytes = 0;
  if (!dense_.empty()) {
    // Check everything first so that a bad encoding leaves this sketch as it was.
    UM_RETURN_IF_ERROR(ForEachSparseEntry(payload, &entry_bytes, [](uint32_t) {}));
    [[maybe_unused]] const Status applied = ForEachSparseEntry(
        payload, &entry_bytes, [this](uint32_t entry) { FoldInto(dense_.data(), entry); });
    assert(applied.ok());
    return Status::OK();
  }
  std::vector<uint32_t> entries;
  UM_RETURN_IF_ERROR(ForEachSparseEntry(payload, &entry_bytes,
                                        [&entries](uint32_t entry) { entries.push_back(entry); }));
  if (sparse_.empty()) {
    sparse_ = std::move(entries);
    sparse_bytes_ = entry_bytes;
  } else {
    MergeSparseEntries(entries);
  }
  return Status::OK();
}

double HyperLogLog::Estimate() const {
  if (dense_.empty()) {
    if (sparse_.empty()) return 0.0;
    // Linear counting over the 2^25 sparse buckets.
    const double buckets = kSparseIndexes;
    return -buckets * std::log1p(-static_cast<double>(sparse_.size()) / buckets);
  }
  // Most registers share a few ranks; four partial histograms keep the
  // increments of one counter from waiting on each other.
  std::array<std::array<uint32_t, kMaxRank + 1>, 4> partial{};
  for (uint32_t i = 0; i < kRegisters; i += 4) {
    ++partial[0][dense_[i]];
    ++partial[1][dense_[i + 1]];
    ++partial[2][dense_[i + 2]];
    ++partial[3][dense_[i + 3]];
  }
  std::array<uint32_t, kMaxRank + 1> histogram{};  // registers per rank
  for (size_t k = 0; k < histogram.size(); ++k) {
    histogram[k] = partial[0][k] + partial[1][k] + partial[2][k] + partial[3][k];
  }
  if (histogram[0] == kRegisters) return 0.0;
  const double m = kRegisters;
  double z = m * Tau(1.0 - histogram[kMaxRank] / m);
  for (int k = kMaxRank - 1; k >= 1; --k) z = 0.5 * (z + histogram[k]);
  z += m * Sigma(histogram[0] / m);
  const double alpha_inf = 1.0 / (2.0 * std::numbers::ln2);
  return alpha_inf * m * m / z;
}

uint64_t HyperLogLog::Count() const {
  const double estimate = Estimate();
  // Saturates; only a sketch with every register at the maximum rank gets here.
  if (!(estimate < 0x1p63)) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(std::llround(estimate));
}

bool HyperLogLog::empty() const {
  if (dense_.empty()) return sparse_.empty();
  return std::all_of(dense_.begin(), dense_.end(), [](uint8_t rank) { return rank == 0; });
}

std::string HyperLogLog::Encode() const {
  std::string out;
  if (!dense_.empty()) {
    out.reserve(kHeaderBytes + kRegisters);
    out.push_back(static_cast<char>(kFormatVersion));
    out.push_back(static_cast<char>(kFormDense));
    out.append(reinterpret_cast<const char*>(dense_.data()), dense_.size());
    return out;
  }
  const auto count = static_cast<uint32_t>(sparse_.size());
  out.reserve(kHeaderBytes + VarintSize(count) + sparse_bytes_);
  out.push_back(static_cast<char>(kFormatVersion));
  out.push_back(static_cast<char>(kFormSparse));
  PutVarint(count, &out);
  uint32_t prev = 0;
  for (uint32_t entry : sparse_) {
    PutVarint(entry - prev, &out);
    prev = entry;
  }
  assert(out.size() == kHeaderBytes + VarintSize(count) + sparse_bytes_);
  return out;
}

Result<HyperLogLog> HyperLogLog::Decode(std::string_view bytes) {
  HyperLogLog sketch;
  UM_RETURN_IF_ERROR(sketch.MergeEncoded(bytes));
  return sketch;
}

bool HyperLogLog::operator==(const HyperLogLog& other) const {
  if (dense_.empty() && other.dense_.empty()) return sparse_ == other.sparse_;
  if (!dense_.empty() && !other.dense_.empty()) return dense_ == other.dense_;
  const std::vector<uint8_t>& dense = dense_.empty() ? other.dense_ : dense_;
  const std::vector<uint32_t>& sparse = dense_.empty() ? sparse_ : other.sparse_;
  // Fold the sparse entries register by register: sorted by idx25, they are
  // sorted by register too.
  size_t next = 0;
  for (uint32_t i = 0; i < kRegisters; ++i) {
    uint8_t rank = 0;
    for (; next < sparse.size() && DenseIndex(sparse[next]) == i; ++next) {
      rank = std::max(rank, DenseRank(sparse[next]));
    }
    if (dense[i] != rank) return false;
  }
  return true;
}

}  // namespace unmogrowp::analytics
