#include "analytics/hll.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace unmogrowp::analytics {
namespace {

constexpr char kVersion = 2;
constexpr char kSparse = 1;
constexpr char kDense = 2;
constexpr size_t kDenseEncodedSize = 2 + 16384;
constexpr size_t kLimit = HyperLogLog::kMaxSparseBytes;

std::string Device(uint64_t i) { return "device-" + std::to_string(i); }

// A sketch of device-<begin> .. device-<end - 1>.
HyperLogLog SketchOf(uint64_t begin, uint64_t end) {
  HyperLogLog sketch;
  for (uint64_t i = begin; i < end; ++i) sketch.Add(Device(i));
  return sketch;
}

char Form(const HyperLogLog& sketch) { return sketch.Encode().at(1); }

std::string EmptyDenseEncoding() {
  std::string bytes(kDenseEncodedSize, '\0');
  bytes[0] = kVersion;
  bytes[1] = kDense;
  return bytes;
}

HyperLogLog EmptyDense() {
  Result<HyperLogLog> dense = HyperLogLog::Decode(EmptyDenseEncoding());
  EXPECT_TRUE(dense.ok()) << dense.status().ToString();
  return std::move(dense).value();
}

// The same set in dense form: `sketch` merged into an empty dense sketch.
HyperLogLog Densify(const HyperLogLog& sketch) {
  HyperLogLog dense = EmptyDense();
  dense.Merge(sketch);
  EXPECT_EQ(Form(dense), kDense);
  return dense;
}

// A sparse entry: idx25 << 6 | rank25.
uint32_t Entry(uint32_t index, uint32_t rank) { return index << 6 | rank; }

void PutVarint(uint32_t v, std::string* out) {
  for (; v >= 0x80; v >>= 7) out->push_back(static_cast<char>((v & 0x7f) | 0x80));
  out->push_back(static_cast<char>(v));
}

// A sparse encoding of the given entries, deltas written in the given order.
std::string SparseEncoding(const std::vector<uint32_t>& entries, char version = kVersion) {
  std::string out = {version, kSparse};
  PutVarint(static_cast<uint32_t>(entries.size()), &out);
  uint32_t prev = 0;
  for (uint32_t entry : entries) {
    PutVarint(entry - prev, &out);
    prev = entry;
  }
  return out;
}

void ExpectCorruption(std::string_view bytes, const std::string& what) {
  Result<HyperLogLog> decoded = HyperLogLog::Decode(bytes);
  ASSERT_FALSE(decoded.ok()) << what;
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << what;
}

TEST(HyperLogLogTest, EmptySketch) {
  HyperLogLog sketch;
  EXPECT_TRUE(sketch.empty());
  EXPECT_EQ(sketch.Count(), 0u);
  EXPECT_EQ(sketch.Estimate(), 0.0);
  const std::string encoded = sketch.Encode();
  EXPECT_EQ(encoded, std::string({kVersion, kSparse, 0}));
  Result<HyperLogLog> decoded = HyperLogLog::Decode(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(decoded->empty());
  EXPECT_EQ(*decoded, sketch);

  HyperLogLog dense_empty = Densify(sketch);
  EXPECT_TRUE(dense_empty.empty());
  EXPECT_EQ(dense_empty.Count(), 0u);
  EXPECT_EQ(dense_empty, sketch);
}

TEST(HyperLogLogTest, HashIsStableForever) {
  // Persisted sketches depend on this value: if it changes, every stored
  // sketch silently miscounts. Never update it to make the test pass.
  EXPECT_EQ(HyperLogLog::Hash("device-1"), 0xf0a3ba592295c4a5ULL);
}

TEST(HyperLogLogTest, SparseEntriesComeFromTheTop25BitsAndTheRestsRank) {
  HyperLogLog sketch;
  // idx25 5; the highest set bit of the low 39 bits is bit 30: 8 zeros, rank 9.
  sketch.AddHash(uint64_t{5} << 39 | uint64_t{1} << 30);
  EXPECT_EQ(sketch.Encode(), SparseEncoding({Entry(5, 9)}));
  // No set bit below the index: the rank is capped at 40.
  const uint32_t last = (uint32_t{1} << 25) - 1;
  sketch.AddHash(uint64_t{last} << 39);
  EXPECT_EQ(sketch.Encode(), SparseEncoding({Entry(5, 9), Entry(last, 40)}));
  // A smaller rank at the same index keeps the larger.
  sketch.AddHash(uint64_t{5} << 39 | uint64_t{1} << 38);
  EXPECT_EQ(sketch.Encode(), SparseEncoding({Entry(5, 9), Entry(last, 40)}));
  sketch.AddHash(uint64_t{5} << 39 | uint64_t{1});
  EXPECT_EQ(sketch.Encode(), SparseEncoding({Entry(5, 39), Entry(last, 40)}));
  // Hashes in the same 14-bit register but different 25-bit indexes are two entries.
  sketch.AddHash(uint64_t{4} << 39 | uint64_t{1});
  EXPECT_EQ(sketch.Encode(), SparseEncoding({Entry(4, 39), Entry(5, 39), Entry(last, 40)}));
  EXPECT_EQ(sketch.Count(), 3u);
}

TEST(HyperLogLogTest, DenseRegistersComeFromTheTop14BitsAndTheRestsRank) {
  HyperLogLog sketch = EmptyDense();
  // Register 5; the highest set bit of the low 50 bits is bit 40: 9 zeros, rank 10.
  sketch.AddHash(uint64_t{5} << 50 | uint64_t{1} << 40);
  sketch.AddHash(uint64_t{16383} << 50);  // no set bit: rank 51
  sketch.AddHash(uint64_t{7} << 50 | uint64_t{1} << 49);
  std::string want = EmptyDenseEncoding();
  want[2 + 5] = 10;
  want[2 + 16383] = 51;
  want[2 + 7] = 1;
  EXPECT_EQ(sketch.Encode(), want);
  sketch.AddHash(uint64_t{5} << 50 | uint64_t{1} << 45);  // smaller rank: no change
  EXPECT_EQ(sketch.Encode(), want);
}

TEST(HyperLogLogTest, FoldingAnEntryGivesTheRankOfItsHashInDenseForm) {
  struct Case {
    uint64_t hash;
    uint32_t want_register;
    uint8_t want_rank;
  };
  const Case cases[] = {
      // The low 11 bits of idx25 have a set bit: the dense rank comes from them.
      {uint64_t{7} << 50 | uint64_t{1} << 49, 7, 1},
      {uint64_t{7} << 50 | uint64_t{1} << 45 | uint64_t{1} << 3, 7, 5},
      {uint64_t{7} << 50 | uint64_t{1} << 39, 7, 11},
      // They are all zero: 11 + rank25.
      {uint64_t{9} << 50 | uint64_t{1} << 38, 9, 12},
      {uint64_t{9} << 50 | uint64_t{1} << 20, 9, 30},
      {uint64_t{16383} << 50 | uint64_t{1}, 16383, 50},
      {uint64_t{16383} << 50, 16383, 51},
      {0, 0, 51},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << std::hex << "hash " << c.hash);
    HyperLogLog sparse;
    sparse.AddHash(c.hash);
    ASSERT_EQ(Form(sparse), kSparse);
    HyperLogLog dense = EmptyDense();
    dense.AddHash(c.hash);
    std::string want = EmptyDenseEncoding();
    want[2 + c.want_register] = static_cast<char>(c.want_rank);
    EXPECT_EQ(dense.Encode(), want);
    EXPECT_EQ(Densify(sparse).Encode(), want);
    HyperLogLog merged_encoded = EmptyDense();
    ASSERT_TRUE(merged_encoded.MergeEncoded(sparse.Encode()).ok());
    EXPECT_EQ(merged_encoded.Encode(), want);
    EXPECT_EQ(sparse, dense);
  }
}

TEST(HyperLogLogTest, DevicesSharingARegisterCountTwice) {
  // Found by an integration test: with 14-bit sparse indexes these two counted as one.
  const std::string a = "dev-0054-89031dea";
  const std::string b = "dev-0223-9d4b3e9a";
  ASSERT_EQ(HyperLogLog::Hash(a) >> 50, HyperLogLog::Hash(b) >> 50);
  HyperLogLog sketch;
  sketch.Add(a);
  sketch.Add(b);
  EXPECT_EQ(sketch.Count(), 2u);
  // The dense form cannot tell them apart: one register, one rank.
  EXPECT_EQ(Densify(sketch).Count(), 1u);
}

TEST(HyperLogLogTest, SparseCountsAreExact) {
  HyperLogLog sketch;
  uint64_t added = 0;
  uint64_t largest_exact = 0;
  for (uint64_t n = 1; n <= 3000; n += 7) {
    for (; added < n; ++added) sketch.Add(Device(added));
    if (Form(sketch) != kSparse) break;
    // device-0 .. device-5659 have distinct top-25-bit hashes, so every
    // entry is one device and linear counting rounds to exactly n.
    ASSERT_EQ(sketch.Count(), n) << "estimate " << sketch.Estimate();
    const double buckets = 1 << 25;
    EXPECT_NEAR(sketch.Estimate(), buckets * std::log(buckets / (buckets - n)), 1e-9 * n);
    largest_exact = n;
  }
  // The sparse form holds the first ~2,650 devices.
  EXPECT_GT(largest_exact, 2500u);

  for (uint64_t n : {1, 2, 3, 10, 100}) {
    HyperLogLog small = SketchOf(0, n);
    // Adding the same devices again changes nothing.
    HyperLogLog twice = small;
    for (uint64_t i = 0; i < n; ++i) twice.Add(Device(i));
    EXPECT_EQ(twice, small);
    EXPECT_EQ(twice.Encode(), small.Encode());
    // Dense, these few are still exact.
    EXPECT_EQ(Densify(small).Count(), n);
  }
}

TEST(HyperLogLogTest, LargeCountsWithinTwoPercent) {
  HyperLogLog sketch;
  uint64_t added = 0;
  for (uint64_t n : {1'000, 10'000, 100'000, 1'000'000}) {
    for (; added < n; ++added) sketch.Add(Device(added));
    const double ratio = static_cast<double>(sketch.Count()) / static_cast<double>(n);
    EXPECT_LE(std::abs(ratio - 1.0), 0.02) << "n " << n << " count " << sketch.Count();
  }
  const HyperLogLog once = sketch;
  for (uint64_t i = 0; i < added; ++i) sketch.Add(Device(i));
  EXPECT_EQ(sketch, once);
  EXPECT_EQ(sketch.Count(), once.Count());
}

TEST(HyperLogLogTest, SwitchesToDenseOnceSparseOutgrowsItsLimit) {
  HyperLogLog sketch;
  HyperLogLog dense_built = EmptyDense();
  size_t prev_size = sketch.Encode().size();
  int switched_at = -1;
  size_t last_sparse_size = 0;
  for (int i = 0; i < 5000; ++i) {
    sketch.Add(Device(i));
    dense_built.Add(Device(i));
    const std::string encoded = sketch.Encode();
    if (encoded[1] == kSparse) {
      ASSERT_EQ(switched_at, -1) << "back to sparse at device " << i;
      // Grows, except that a raised rank can shorten the next entry's delta by a byte.
      EXPECT_GE(encoded.size() + 1, prev_size) << "device " << i;
      EXPECT_LE(encoded.size(), 2u + 2u + kLimit);
      EXPECT_EQ(sketch.Count(), static_cast<uint64_t>(i + 1));
      last_sparse_size = encoded.size();
    } else {
      ASSERT_EQ(encoded[1], kDense);
      EXPECT_EQ(encoded.size(), kDenseEncodedSize);
      if (switched_at == -1) switched_at = i;
      EXPECT_LE(std::abs(sketch.Estimate() / (i + 1) - 1), 0.02) << "device " << i;
      // Registers as if built dense from the start.
      if (i == switched_at || i % 500 == 0) {
        EXPECT_EQ(encoded, dense_built.Encode()) << i;
      }
    }
    prev_size = encoded.size();
  }
  // Header, 2-byte count, then entry deltas of mostly 3 or 4 bytes up to the
  // limit: the last sparse encoding is within 5 bytes of it.
  EXPECT_GE(last_sparse_size, 2u + 2u + kLimit - 5);
  EXPECT_GT(switched_at, static_cast<int>(kLimit / 4));
  EXPECT_LT(switched_at, static_cast<int>(kLimit / 3) + 1);
  EXPECT_EQ(sketch.Encode(), dense_built.Encode());
}

// Hashes whose low 50 bits start with 0..50 zeros (every dense rank) half of
// the time, so that folds take both branches; the rest uniform.
std::vector<uint64_t> RandomHashes(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> hashes;
  for (size_t i = 0; i < n; ++i) {
    uint64_t hash = rng();
    if (rng() % 2 == 0) {
      const auto zeros = static_cast<int>(rng() % 51);
      const uint64_t low = (uint64_t{1} << 50) - 1;
      hash &= ~(low ^ (low >> zeros));
    }
    hashes.push_back(hash);
  }
  return hashes;
}

TEST(HyperLogLogTest, SparseThenDenseEqualsDenseBuilt) {
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    const std::vector<uint64_t> hashes = RandomHashes(seed, 6000);
    HyperLogLog sketch;
    HyperLogLog dense_built = EmptyDense();
    bool checked_sparse = false;
    for (size_t i = 0; i < hashes.size(); ++i) {
      sketch.AddHash(hashes[i]);
      dense_built.AddHash(hashes[i]);
      if (i == 1000) {
        // Folded by Merge, by MergeEncoded and by comparison.
        ASSERT_EQ(Form(sketch), kSparse);
        EXPECT_EQ(Densify(sketch).Encode(), dense_built.Encode());
        HyperLogLog merged_encoded = EmptyDense();
        ASSERT_TRUE(merged_encoded.MergeEncoded(sketch.Encode()).ok());
        EXPECT_EQ(merged_encoded.Encode(), dense_built.Encode());
        EXPECT_EQ(sketch, dense_built);
        EXPECT_EQ(dense_built, sketch);
        checked_sparse = true;
      }
    }
    EXPECT_TRUE(checked_sparse);
    // Turned dense by itself on the way.
    ASSERT_EQ(Form(sketch), kDense);
    EXPECT_EQ(sketch.Encode(), dense_built.Encode());
  }
}

TEST(HyperLogLogTest, SparseAndDenseFormsOfOneSetAgree) {
  const HyperLogLog sparse = SketchOf(0, 1000);
  ASSERT_EQ(Form(sparse), kSparse);
  const HyperLogLog dense = Densify(sparse);
  EXPECT_EQ(sparse, dense);
  EXPECT_EQ(dense, sparse);
  HyperLogLog other = SketchOf(0, 999);
  EXPECT_NE(sparse, other);
  EXPECT_NE(dense, other);
  EXPECT_NE(other, dense);
  // The dense form forgets what the sparse one knows: two devices in one
  // register with the same dense rank fold alike, so both sparse sketches
  // equal the dense one while differing from each other.
  HyperLogLog one;
  one.AddHash(uint64_t{3} << 50 | uint64_t{1} << 45 | uint64_t{1} << 40);
  HyperLogLog two = one;
  two.AddHash(uint64_t{3} << 50 | uint64_t{1} << 45 | uint64_t{1} << 39);
  EXPECT_EQ(two.Count(), 2u);
  EXPECT_NE(one, two);
  EXPECT_EQ(Densify(one), two);
  EXPECT_EQ(Densify(two), one);
}

// Unions `a` and `b` in every mix of forms, by Merge and by MergeEncoded, and
// compares each with the sketch of the union.
void ExpectUnionInEveryForm(const HyperLogLog& a, const HyperLogLog& b, const HyperLogLog& want) {
  const HyperLogLog forms_a[] = {a, Densify(a)};
  const HyperLogLog forms_b[] = {b, Densify(b)};
  for (const HyperLogLog& x : forms_a) {
    for (const HyperLogLog& y : forms_b) {
      SCOPED_TRACE(testing::Message() << "forms " << int{Form(x)} << "+" << int{Form(y)});
      HyperLogLog merged = x;
      merged.Merge(y);
      EXPECT_EQ(merged, want);
      if (Form(merged) == Form(want)) {
        EXPECT_EQ(merged.Encode(), want.Encode());
      }
      // Two sparse sketches stay sparse if their union does.
      if (Form(x) == kSparse && Form(y) == kSparse) {
        EXPECT_EQ(Form(merged), Form(want));
      }
      if (Form(merged) == kDense) {
        EXPECT_EQ(merged.Encode(), Densify(want).Encode());
      }

      HyperLogLog merged_encoded = x;
      ASSERT_TRUE(merged_encoded.MergeEncoded(y.Encode()).ok());
      EXPECT_EQ(merged_encoded, want);
      Result<HyperLogLog> decoded = HyperLogLog::Decode(y.Encode());
      ASSERT_TRUE(decoded.ok());
      HyperLogLog merged_decoded = x;
      merged_decoded.Merge(*decoded);
      EXPECT_EQ(merged_encoded, merged_decoded);
      EXPECT_EQ(merged_encoded.Encode(), merged_decoded.Encode());
      EXPECT_EQ(merged_encoded.Encode(), merged.Encode());
    }
  }
}

TEST(HyperLogLogTest, MergeOfSmallOverlappingSets) {
  ExpectUnionInEveryForm(SketchOf(0, 300), SketchOf(200, 500), SketchOf(0, 500));
  ExpectUnionInEveryForm(SketchOf(0, 1), SketchOf(1, 2), SketchOf(0, 2));
}

TEST(HyperLogLogTest, MergeOfAFewEntriesIntoALargeSparseSketch) {
  // Up to 8 entries are inserted one by one, more are merged in one pass.
  for (uint64_t extra : {1, 3, 8, 9, 30}) {
    SCOPED_TRACE(testing::Message() << "extra " << extra);
    const HyperLogLog want = SketchOf(0, 2000 + extra);
    ASSERT_EQ(Form(want), kSparse);
    ExpectUnionInEveryForm(SketchOf(0, 2000), SketchOf(2000 - 2, 2000 + extra), want);
    EXPECT_EQ(want.Count(), 2000 + extra);
  }
}

TEST(HyperLogLogTest, MergeOfSparseSetsWhoseUnionIsDense) {
  const HyperLogLog a = SketchOf(0, 2000);
  const HyperLogLog b = SketchOf(1500, 3500);
  ASSERT_EQ(Form(a), kSparse);
  ASSERT_EQ(Form(b), kSparse);
  HyperLogLog merged = a;
  merged.Merge(b);
  EXPECT_EQ(Form(merged), kDense);
  ExpectUnionInEveryForm(a, b, SketchOf(0, 3500));

  // A few entries past the limit of a full sparse sketch: device-<n> turns
  // device-0 .. device-<n - 1> dense.
  HyperLogLog growing;
  uint64_t n = 0;
  for (; Form(growing) == kSparse; ++n) growing.Add(Device(n));
  --n;
  const HyperLogLog full = SketchOf(0, n);
  ASSERT_EQ(Form(full), kSparse);
  ExpectUnionInEveryForm(full, SketchOf(n, n + 3), SketchOf(0, n + 3));
  ExpectUnionInEveryForm(full, SketchOf(n - 5, n + 20), SketchOf(0, n + 20));
  ExpectUnionInEveryForm(full, SketchOf(0, 10), full);
}

TEST(HyperLogLogTest, MergeOfLargeAndMixedSets) {
  ExpectUnionInEveryForm(SketchOf(0, 20'000), SketchOf(10'000, 30'000), SketchOf(0, 30'000));
  ExpectUnionInEveryForm(SketchOf(0, 20'000), SketchOf(19'950, 20'050), SketchOf(0, 20'050));
  ExpectUnionInEveryForm(SketchOf(0, 50), SketchOf(0, 20'000), SketchOf(0, 20'000));
  ExpectUnionInEveryForm(HyperLogLog(), SketchOf(0, 20'000), SketchOf(0, 20'000));
  ExpectUnionInEveryForm(SketchOf(0, 20), HyperLogLog(), SketchOf(0, 20));
  ExpectUnionInEveryForm(HyperLogLog(), HyperLogLog(), HyperLogLog());
}

TEST(HyperLogLogTest, MergeWithItselfChangesNothing) {
  for (HyperLogLog sketch : {SketchOf(0, 100), SketchOf(0, 20'000)}) {
    const HyperLogLog before = sketch;
    sketch.Merge(sketch);
    EXPECT_EQ(sketch, before);
    ASSERT_TRUE(sketch.MergeEncoded(before.Encode()).ok());
    EXPECT_EQ(sketch, before);
    EXPECT_EQ(sketch.Encode(), before.Encode());
  }
}

TEST(HyperLogLogTest, EncodeDecodeRoundTrip) {
  for (uint64_t n : {0, 1, 17, 1000, 2500, 20'000}) {
    const HyperLogLog sketch = SketchOf(0, n);
    const std::string encoded = sketch.Encode();
    EXPECT_EQ(encoded[0], kVersion);
    EXPECT_EQ(encoded[1], n <= 2500 ? kSparse : kDense) << n;
    Result<HyperLogLog> decoded = HyperLogLog::Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, sketch);
    EXPECT_EQ(decoded->Encode(), encoded);
    EXPECT_EQ(decoded->Count(), sketch.Count());
    // The decoded sketch keeps working as the original does.
    decoded->Add("device-new");
    HyperLogLog original = sketch;
    original.Add("device-new");
    EXPECT_EQ(*decoded, original);
    EXPECT_EQ(decoded->Encode(), original.Encode());
  }
}

TEST(HyperLogLogTest, SparseFormAtItsByteLimitDecodes) {
  // kLimit one-byte deltas (idx25 0 .. kLimit - 1, rank 1) are exactly the limit.
  std::vector<uint32_t> entries;
  for (uint32_t i = 0; i < kLimit; ++i) entries.push_back(Entry(i, 1));
  const std::string at_limit = SparseEncoding(entries);
  Result<HyperLogLog> decoded = HyperLogLog::Decode(at_limit);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->Encode(), at_limit);
  // Linear counting adds the collisions it expects among 8192 entries: one.
  EXPECT_EQ(decoded->Count(), kLimit + 1);
  // One more entry is beyond it: Encode would have written that sketch dense.
  entries.push_back(Entry(kLimit, 1));
  ExpectCorruption(SparseEncoding(entries), "sparse over the limit");
  // Adding it to the sketch switches the sketch to dense.
  HyperLogLog want = Densify(*decoded);
  const uint64_t index_limit_rank_1 = uint64_t{kLimit} << 39 | uint64_t{1} << 38;
  want.AddHash(index_limit_rank_1);
  decoded->AddHash(index_limit_rank_1);
  EXPECT_EQ(Form(*decoded), kDense);
  EXPECT_EQ(decoded->Encode(), want.Encode());
}

TEST(HyperLogLogTest, DecodeRejectsWhatEncodeNeverWrites) {
  ExpectCorruption("", "empty");
  ExpectCorruption(std::string{kVersion}, "no form byte");
  ExpectCorruption(std::string({0, kSparse, 0}), "version 0");
  ExpectCorruption(std::string({3, kSparse, 0}), "version 3");
  // Version 1 (14-bit sparse indexes) never shipped.
  ExpectCorruption(std::string({1, kSparse, 0}), "version 1 empty");
  ExpectCorruption(SparseEncoding({Entry(5, 3)}, 1), "version 1 sparse");
  std::string dense_v1 = EmptyDenseEncoding();
  dense_v1[0] = 1;
  ExpectCorruption(dense_v1, "version 1 dense");
  ExpectCorruption(std::string({kVersion, 0, 0}), "form 0");
  ExpectCorruption(std::string({kVersion, 3, 0}), "form 3");
  ExpectCorruption(std::string({kVersion, kSparse}), "sparse without count");

  const uint32_t last = (uint32_t{1} << 25) - 1;
  const std::string sparse = SparseEncoding({Entry(5, 3), Entry(9, 7), Entry(last, 40)});
  ASSERT_TRUE(HyperLogLog::Decode(sparse).ok());
  for (size_t len = 0; len < sparse.size(); ++len) {
    ExpectCorruption(sparse.substr(0, len), "sparse truncated to " + std::to_string(len));
  }
  ExpectCorruption(sparse + '\x01', "sparse trailing byte");
  ExpectCorruption(SparseEncoding({Entry(5, 41)}), "sparse rank 41");
  ExpectCorruption(SparseEncoding({Entry(5, 51)}), "sparse rank 51");
  ExpectCorruption(SparseEncoding({Entry(5, 0)}), "sparse rank 0");
  ExpectCorruption(SparseEncoding({Entry(5, 3), Entry(5, 4)}), "sparse duplicate index");
  ExpectCorruption(SparseEncoding({Entry(5, 3), Entry(5, 3)}), "sparse zero delta");
  ExpectCorruption(SparseEncoding({Entry(last + 1, 1)}), "sparse idx25 2^25");
  ExpectCorruption(SparseEncoding({Entry(9, 7), Entry(last + 1, 1)}), "sparse idx25 2^25 later");
  // Deltas are unsigned, so an out-of-order entry shows as one past the end.
  std::string unsorted = {kVersion, kSparse, 2};
  PutVarint(Entry(9, 7), &unsorted);
  PutVarint(0xFFFFFFFF, &unsorted);
  ExpectCorruption(unsorted, "sparse unsorted");
  ExpectCorruption(SparseEncoding({Entry(9, 7), Entry(5, 3)}), "sparse unsorted (wraps)");
  ExpectCorruption(std::string({kVersion, kSparse, 1, '\x83', 0}), "sparse non-shortest varint");
  ExpectCorruption(std::string({kVersion, kSparse, '\x81', 0}), "sparse non-shortest count");
  ExpectCorruption(std::string({kVersion, kSparse, 2, 3}), "sparse count above entries");
  ExpectCorruption(std::string({kVersion, kSparse, '\xff', '\xff', '\xff', '\xff', '\x7f'}),
                   "sparse count past 32 bits");

  std::string dense = SketchOf(0, 20'000).Encode();
  ASSERT_EQ(dense[1], kDense);
  ASSERT_TRUE(HyperLogLog::Decode(dense).ok());
  ExpectCorruption(dense.substr(0, dense.size() - 1), "dense short");
  ExpectCorruption(dense + '\0', "dense long");
  ExpectCorruption(std::string({kVersion, kDense}), "dense without registers");
  std::string dense_rank = dense;
  dense_rank[2 + 16383] = 52;
  ExpectCorruption(dense_rank, "dense rank 52");
  dense_rank[2 + 16383] = 51;
  EXPECT_TRUE(HyperLogLog::Decode(dense_rank).ok());
}

TEST(HyperLogLogTest, FailedMergeEncodedLeavesTheSketchUnchanged) {
  std::string bad_dense = SketchOf(0, 20'000).Encode();
  bad_dense[100] = 60;
  // Valid entries first, then a bad one.
  const std::string bad_sparse = SparseEncoding({Entry(1, 40), Entry(2, 40), Entry(3, 41)});
  const std::string bad_order = SparseEncoding({Entry(1, 40), Entry(1 << 20, 40), Entry(2, 1)});
  for (const HyperLogLog& start : {HyperLogLog(), SketchOf(0, 50), SketchOf(0, 20'000)}) {
    for (const std::string& bad : {bad_dense, bad_sparse, bad_order}) {
      HyperLogLog sketch = start;
      Status status = sketch.MergeEncoded(bad);
      EXPECT_EQ(status.code(), StatusCode::kCorruption);
      EXPECT_EQ(sketch, start);
      EXPECT_EQ(sketch.Encode(), start.Encode());
    }
  }
}

}  // namespace
}  // namespace unmogrowp::analytics
