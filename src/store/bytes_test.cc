#include "store/bytes.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace unmogrowp::store {
namespace {

TEST(BytesTest, RoundTripsEveryKind) {
  std::string out;
  PutBigEndian64(0x0102030405060708ull, &out);
  PutBigEndian32(0xa0b0c0d0u, &out);
  PutOrderedInt64(-5, &out);
  PutVarint(300, &out);
  PutSignedVarint(-123456789, &out);
  PutLengthPrefixed("hello", &out);
  PutDouble(-2.5, &out);
  out.push_back('\x07');
  EXPECT_EQ(out.substr(0, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));

  ByteReader r(out);
  EXPECT_EQ(r.BigEndian64(), 0x0102030405060708ull);
  EXPECT_EQ(r.BigEndian32(), 0xa0b0c0d0u);
  EXPECT_EQ(r.OrderedInt64(), -5);
  EXPECT_EQ(r.Varint(), 300u);
  EXPECT_EQ(r.SignedVarint(), -123456789);
  EXPECT_EQ(r.LengthPrefixed(), "hello");
  EXPECT_EQ(r.Double(), -2.5);
  EXPECT_EQ(r.Byte(), 7);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.done());
}

TEST(BytesTest, OrderedIntegersSortAsBytes) {
  std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(), -1000, -1, 0, 1, 999,
                                 std::numeric_limits<int64_t>::max()};
  std::string previous;
  for (int64_t v : values) {
    std::string key;
    PutOrderedInt64(v, &key);
    EXPECT_LT(previous, key) << v;
    previous = key;
  }
}

TEST(BytesTest, ExtremeVarints) {
  for (int64_t v : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0},
                    std::numeric_limits<int64_t>::max()}) {
    std::string out;
    PutSignedVarint(v, &out);
    ByteReader r(out);
    EXPECT_EQ(r.SignedVarint(), v);
    EXPECT_TRUE(r.ok() && r.done());
  }
  std::string max;
  PutVarint(std::numeric_limits<uint64_t>::max(), &max);
  EXPECT_EQ(max.size(), 10u);
  EXPECT_EQ(ByteReader(max).Varint(), std::numeric_limits<uint64_t>::max());
}

TEST(BytesTest, ShortOrMalformedInputFailsWithoutOverrun) {
  ByteReader short_int(std::string_view("\x01\x02\x03", 3));
  short_int.BigEndian64();
  EXPECT_FALSE(short_int.ok());

  const std::string ff(11, '\xff');
  ByteReader endless_varint(ff);
  endless_varint.Varint();
  EXPECT_FALSE(endless_varint.ok());

  std::string lying;
  PutVarint(100, &lying);
  lying += "abc";
  ByteReader r(lying);
  EXPECT_EQ(r.LengthPrefixed(), "");
  EXPECT_FALSE(r.ok());
  // Every later read fails too.
  EXPECT_EQ(r.Byte(), 0);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace unmogrowp::store
