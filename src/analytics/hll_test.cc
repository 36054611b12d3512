#include "analytics/hll.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace unmogrowp::analytics {
namespace {

constexpr char kSparse = 1;
constexpr char kDense = 2;
constexpr size_t kDenseEncodedSize = 2 + 16384;

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
  bytes[0] = 1;
  bytes[1] = kDense;
  return bytes;
}

// The same registers in dense form: merged into a decoded all-zero dense sketch.
HyperLogLog Densify(const HyperLogLog& sketch) {
  Result<HyperLogLog> dense = HyperLogLog::Decode(EmptyDenseEncoding());
  EXPECT_TRUE(dense.ok()) << dense.status().ToString();
  dense->Merge(sketch);
  EXPECT_EQ(Form(*dense), kDense);
  return std::move(dense).value();
}

void PutVarint(uint32_t v, std::string* out) {
  for (; v >= 0x80; v >>= 7) out->push_back(static_cast<char>((v & 0x7f) | 0x80));
  out->push_back(static_cast<char>(v));
}

// A sparse encoding of the given entries (index << 6 | rank), deltas written as given order.
std::string SparseEncoding(const std::vector<uint32_t>& entries) {
  std::string out = {1, kSparse};
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
  EXPECT_EQ(encoded, std::string({1, kSparse, 0}));
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

TEST(HyperLogLogTest, RegisterIndexAndRankComeFromTheHashBits) {
  HyperLogLog sketch;
  // Index 5; the highest set bit of the low 50 bits is bit 40: 9 zeros, rank 10.
  sketch.AddHash(uint64_t{5} << 50 | uint64_t{1} << 40);
  EXPECT_EQ(sketch.Encode(), SparseEncoding({5 << 6 | 10}));
  // No set bit below the index: the rank is capped at 51.
  sketch.AddHash(uint64_t{16383} << 50);
  EXPECT_EQ(sketch.Encode(), SparseEncoding({5 << 6 | 10, 16383 << 6 | 51}));
  // A smaller rank at the same index keeps the larger.
  sketch.AddHash(uint64_t{5} << 50 | uint64_t{1} << 49);
  EXPECT_EQ(sketch.Encode(), SparseEncoding({5 << 6 | 10, 16383 << 6 | 51}));
  sketch.AddHash(uint64_t{5} << 50 | uint64_t{1});
  EXPECT_EQ(sketch.Encode(), SparseEncoding({5 << 6 | 50, 16383 << 6 | 51}));
}

TEST(HyperLogLogTest, SmallCountsAreExact) {
  for (uint64_t n : {1, 2, 3, 10, 100}) {
    HyperLogLog sketch = SketchOf(0, n);
    EXPECT_EQ(sketch.Count(), n) << "estimate " << sketch.Estimate();
    // Adding the same devices again changes nothing.
    HyperLogLog twice = sketch;
    for (uint64_t i = 0; i < n; ++i) twice.Add(Device(i));
    EXPECT_EQ(twice, sketch);
    EXPECT_EQ(Densify(sketch).Count(), n);
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

TEST(HyperLogLogTest, SwitchesToDenseOnceSparseOutgrowsAQuarter) {
  HyperLogLog sketch;
  size_t prev_size = sketch.Encode().size();
  double prev_estimate = 0;
  int switched_at = -1;
  size_t last_sparse_size = 0;
  for (int i = 0; i < 5000; ++i) {
    sketch.Add(Device(i));
    const std::string encoded = sketch.Encode();
    const double estimate = sketch.Estimate();
    // Each new device moves the estimate by about one, whatever the form.
    EXPECT_LT(std::abs(estimate - prev_estimate), 2.0) << "device " << i;
    if (encoded[1] == kSparse) {
      ASSERT_EQ(switched_at, -1) << "back to sparse at device " << i;
      // Grows, except that a raised rank can shorten the next entry's delta by a byte.
      EXPECT_GE(encoded.size() + 1, prev_size) << "device " << i;
      EXPECT_LE(encoded.size(), 2u + 2u + 4096u);
      last_sparse_size = encoded.size();
    } else {
      ASSERT_EQ(encoded[1], kDense);
      EXPECT_EQ(encoded.size(), kDenseEncodedSize);
      if (switched_at == -1) switched_at = i;
    }
    prev_size = encoded.size();
    prev_estimate = estimate;
  }
  // Header, 2-byte count, then entry deltas of 1 to 3 bytes up to the 4096-byte
  // limit: the last sparse encoding is within 3 bytes of 4100.
  EXPECT_GE(last_sparse_size, 4098u);
  EXPECT_GT(switched_at, 1365);
  EXPECT_LT(switched_at, 4096);
  EXPECT_LE(std::abs(static_cast<double>(sketch.Count()) / 5000 - 1), 0.02);
}

TEST(HyperLogLogTest, SparseAndDenseFormsOfOneSetAgree) {
  const HyperLogLog sparse = SketchOf(0, 1000);
  ASSERT_EQ(Form(sparse), kSparse);
  const HyperLogLog dense = Densify(sparse);
  EXPECT_EQ(sparse, dense);
  EXPECT_EQ(dense, sparse);
  EXPECT_EQ(sparse.Estimate(), dense.Estimate());
  HyperLogLog other = SketchOf(0, 999);
  EXPECT_NE(sparse, other);
  EXPECT_NE(dense, other);
  EXPECT_NE(other, dense);
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
      EXPECT_EQ(merged.Count(), want.Count());

      HyperLogLog merged_encoded = x;
      ASSERT_TRUE(merged_encoded.MergeEncoded(y.Encode()).ok());
      EXPECT_EQ(merged_encoded, want);
      Result<HyperLogLog> decoded = HyperLogLog::Decode(y.Encode());
      ASSERT_TRUE(decoded.ok());
      HyperLogLog merged_decoded = x;
      merged_decoded.Merge(*decoded);
      EXPECT_EQ(merged_encoded, merged_decoded);
      EXPECT_EQ(merged_encoded.Encode(), merged_decoded.Encode());
    }
  }
}

TEST(HyperLogLogTest, MergeOfSmallOverlappingSets) {
  ExpectUnionInEveryForm(SketchOf(0, 300), SketchOf(200, 500), SketchOf(0, 500));
}

TEST(HyperLogLogTest, MergeOfSparseSetsWhoseUnionIsDense) {
  const HyperLogLog a = SketchOf(0, 1200);
  const HyperLogLog b = SketchOf(1000, 2600);
  ASSERT_EQ(Form(a), kSparse);
  ASSERT_EQ(Form(b), kSparse);
  HyperLogLog merged = a;
  merged.Merge(b);
  EXPECT_EQ(Form(merged), kDense);
  ExpectUnionInEveryForm(a, b, SketchOf(0, 2600));
}

TEST(HyperLogLogTest, MergeOfLargeAndMixedSets) {
  ExpectUnionInEveryForm(SketchOf(0, 20'000), SketchOf(10'000, 30'000), SketchOf(0, 30'000));
  ExpectUnionInEveryForm(SketchOf(0, 20'000), SketchOf(19'950, 20'050), SketchOf(0, 20'050));
  ExpectUnionInEveryForm(SketchOf(0, 50), SketchOf(0, 20'000), SketchOf(0, 20'000));
  ExpectUnionInEveryForm(HyperLogLog(), SketchOf(0, 20'000), SketchOf(0, 20'000));
  ExpectUnionInEveryForm(SketchOf(0, 20), HyperLogLog(), SketchOf(0, 20));
}

TEST(HyperLogLogTest, MergeWithItselfChangesNothing) {
  for (HyperLogLog sketch : {SketchOf(0, 100), SketchOf(0, 20'000)}) {
    const HyperLogLog before = sketch;
    sketch.Merge(sketch);
    EXPECT_EQ(sketch, before);
    ASSERT_TRUE(sketch.MergeEncoded(before.Encode()).ok());
    EXPECT_EQ(sketch, before);
  }
}

TEST(HyperLogLogTest, EncodeDecodeRoundTrip) {
  for (uint64_t n : {0, 1, 17, 1000, 20'000}) {
    const HyperLogLog sketch = SketchOf(0, n);
    const std::string encoded = sketch.Encode();
    EXPECT_EQ(encoded[1], n < 2000 ? kSparse : kDense) << n;
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
  }
}

TEST(HyperLogLogTest, SparseFormAtItsByteLimitDecodes) {
  // 4096 one-byte deltas (indexes 0..4095, rank 1) are exactly the limit.
  std::vector<uint32_t> entries;
  for (uint32_t i = 0; i < 4096; ++i) entries.push_back(i << 6 | 1);
  const std::string at_limit = SparseEncoding(entries);
  Result<HyperLogLog> decoded = HyperLogLog::Decode(at_limit);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->Encode(), at_limit);
  // One more entry is beyond it: Encode would have written that sketch dense.
  entries.push_back(4096 << 6 | 1);
  ExpectCorruption(SparseEncoding(entries), "sparse over the limit");
  // Adding it to the sketch switches the sketch to dense.
  HyperLogLog want = Densify(*decoded);
  const uint64_t index_4096_rank_1 = uint64_t{4096} << 50 | uint64_t{1} << 49;
  want.AddHash(index_4096_rank_1);
  decoded->AddHash(index_4096_rank_1);
  EXPECT_EQ(Form(*decoded), kDense);
  EXPECT_EQ(decoded->Encode(), want.Encode());
}

TEST(HyperLogLogTest, DecodeRejectsWhatEncodeNeverWrites) {
  ExpectCorruption("", "empty");
  ExpectCorruption(std::string{1}, "no form byte");
  ExpectCorruption(std::string({0, kSparse, 0}), "version 0");
  ExpectCorruption(std::string({2, kSparse, 0}), "version 2");
  ExpectCorruption(std::string({1, 0, 0}), "form 0");
  ExpectCorruption(std::string({1, 3, 0}), "form 3");
  ExpectCorruption(std::string({1, kSparse}), "sparse without count");

  const std::string sparse = SparseEncoding({5 << 6 | 3, 9 << 6 | 7, 700 << 6 | 51});
  ASSERT_TRUE(HyperLogLog::Decode(sparse).ok());
  for (size_t len = 0; len < sparse.size(); ++len) {
    ExpectCorruption(sparse.substr(0, len), "sparse truncated to " + std::to_string(len));
  }
  ExpectCorruption(sparse + '\x01', "sparse trailing byte");
  ExpectCorruption(SparseEncoding({5 << 6 | 52}), "sparse rank 52");
  ExpectCorruption(SparseEncoding({5 << 6 | 0}), "sparse rank 0");
  ExpectCorruption(SparseEncoding({5 << 6 | 3, 5 << 6 | 4}), "sparse duplicate index");
  ExpectCorruption(SparseEncoding({5 << 6 | 3, 5 << 6 | 3}), "sparse zero delta");
  ExpectCorruption(SparseEncoding({16384 << 6 | 1}), "sparse index 16384");
  // Deltas are unsigned, so an out-of-order entry shows as one past the end.
  std::string unsorted = {1, kSparse, 2};
  PutVarint(9 << 6 | 7, &unsorted);
  PutVarint(0xFFFFFFFF, &unsorted);
  ExpectCorruption(unsorted, "sparse unsorted");
  ExpectCorruption(std::string({1, kSparse, 1, '\x83', 0}), "sparse non-shortest varint");
  ExpectCorruption(std::string({1, kSparse, '\x81', 0}), "sparse non-shortest count");
  ExpectCorruption(std::string({1, kSparse, 2, 3}), "sparse count above entries");
  ExpectCorruption(std::string({1, kSparse, '\xff', '\xff', '\xff', '\xff', '\x7f'}),
                   "sparse count past 32 bits");

  std::string dense = SketchOf(0, 20'000).Encode();
  ASSERT_EQ(dense[1], kDense);
  ASSERT_TRUE(HyperLogLog::Decode(dense).ok());
  ExpectCorruption(dense.substr(0, dense.size() - 1), "dense short");
  ExpectCorruption(dense + '\0', "dense long");
  ExpectCorruption(std::string({1, kDense}), "dense without registers");
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
  const std::string bad_sparse = SparseEncoding({1 << 6 | 51, 2 << 6 | 51, 2 << 6 | 52});
  for (const HyperLogLog& start : {SketchOf(0, 50), SketchOf(0, 20'000)}) {
    for (const std::string& bad : {bad_dense, bad_sparse}) {
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
