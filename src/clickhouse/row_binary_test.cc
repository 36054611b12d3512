#include "clickhouse/row_binary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

namespace unmogrowp {
namespace {

using namespace std::string_literals;

TEST(RowBinaryTest, FixedWidthValuesAreLittleEndian) {
  RowBinaryWriter w;
  w.PutUInt8(0x01);
  w.PutUInt16(0x0302);
  w.PutUInt32(0x07060504);
  w.PutUInt64(0x0f0e0d0c0b0a0908);
  w.PutInt32(-1);
  EXPECT_EQ(w.data(),
            "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\xff\xff\xff\xff"s);
}

TEST(RowBinaryTest, MatchesClickHouseBytesForUInt64AndString) {
  // `SELECT number, toString(number) FROM system.numbers LIMIT 2 FORMAT RowBinary` on 18.16.
  RowBinaryWriter w;
  for (uint64_t n = 0; n < 2; ++n) {
    w.PutUInt64(n);
    w.PutString(std::to_string(n));
  }
  EXPECT_EQ(w.data(),
            "\0\0\0\0\0\0\0\0\x01"
            "0\x01\0\0\0\0\0\0\0\x01"
            "1"s);
}

TEST(RowBinaryTest, VarUIntIsLeb128) {
  RowBinaryWriter w;
  w.PutVarUInt(0);
  w.PutVarUInt(127);
  w.PutVarUInt(128);
  w.PutVarUInt(300);
  EXPECT_EQ(w.data(), "\x00\x7f\x80\x01\xac\x02"s);
  w.Clear();
  w.PutVarUInt(std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(w.data(), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s);
  RowBinaryReader r(w.data());
  auto v = r.ReadVarUInt();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(r.AtEnd());
}

TEST(RowBinaryTest, RoundTripsEveryType) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  const std::string long_string(70000, 'x');
  RowBinaryWriter w;
  w.PutUInt8(255);
  w.PutUInt16(65535);
  w.PutUInt32(4000000000u);
  w.PutUInt64(std::numeric_limits<uint64_t>::max());
  w.PutInt8(-128);
  w.PutInt16(-32768);
  w.PutInt32(std::numeric_limits<int32_t>::min());
  w.PutInt64(std::numeric_limits<int64_t>::min());
  w.PutFloat64(-1.5e300);
  w.PutFloat64(std::numeric_limits<double>::quiet_NaN());
  w.PutString("");
  w.PutString("héllo, 世界");
  w.PutString(all_bytes);
  w.PutString(long_string);
  w.PutDate(19800);
  w.PutDateTime(4294967295u);
  w.PutArraySize(3);
  for (uint32_t v : {1u, 2u, 3u}) w.PutUInt32(v);
  w.PutArraySize(2);
  w.PutString("a");
  w.PutString("");
  w.PutArraySize(0);

  RowBinaryReader r(w.data());
  EXPECT_EQ(*r.ReadUInt8(), 255);
  EXPECT_EQ(*r.ReadUInt16(), 65535);
  EXPECT_EQ(*r.ReadUInt32(), 4000000000u);
  EXPECT_EQ(*r.ReadUInt64(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(*r.ReadInt8(), -128);
  EXPECT_EQ(*r.ReadInt16(), -32768);
  EXPECT_EQ(*r.ReadInt32(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(*r.ReadInt64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(*r.ReadFloat64(), -1.5e300);
  EXPECT_TRUE(std::isnan(*r.ReadFloat64()));
  EXPECT_EQ(*r.ReadString(), "");
  EXPECT_EQ(*r.ReadString(), "héllo, 世界");
  EXPECT_EQ(*r.ReadString(), all_bytes);
  EXPECT_EQ(*r.ReadString(), long_string);
  EXPECT_EQ(*r.ReadDate(), 19800);
  EXPECT_EQ(*r.ReadDateTime(), 4294967295u);
  ASSERT_EQ(*r.ReadArraySize(), 3u);
  for (uint32_t v : {1u, 2u, 3u}) EXPECT_EQ(*r.ReadUInt32(), v);
  ASSERT_EQ(*r.ReadArraySize(), 2u);
  EXPECT_EQ(*r.ReadString(), "a");
  EXPECT_EQ(*r.ReadString(), "");
  EXPECT_EQ(*r.ReadArraySize(), 0u);
  EXPECT_TRUE(r.AtEnd());
}

TEST(RowBinaryTest, ShortInputIsCorruptionAndConsumesNothing) {
  {
    const std::string input = "\x01\x02\x03"s;
    RowBinaryReader r(input);
    auto v = r.ReadUInt32();
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(r.position(), 0u);
    EXPECT_EQ(*r.ReadUInt16(), 0x0201);
  }
  {
    const std::string input =
        "\x05"
        "abc"s;  // says 5 bytes, has 3
    RowBinaryReader r(input);
    auto s = r.ReadString();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(r.position(), 0u);
  }
  {
    const std::string input = "\x80\x80"s;  // LEB128 cut short
    RowBinaryReader r(input);
    auto v = r.ReadVarUInt();
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(r.position(), 0u);
  }
  {
    RowBinaryReader r(std::string_view{});
    EXPECT_FALSE(r.ReadUInt8().ok());
    EXPECT_FALSE(r.ReadString().ok());
    EXPECT_FALSE(r.ReadFloat64().ok());
  }
}

TEST(RowBinaryTest, RejectsOverlongAndOverflowingLeb128) {
  const std::string overflow_bytes = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"s;
  RowBinaryReader overflow(overflow_bytes);
  EXPECT_EQ(overflow.ReadVarUInt().status().code(), StatusCode::kCorruption);
  const std::string overlong_bytes = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x00"s;
  RowBinaryReader overlong(overlong_bytes);
  EXPECT_EQ(overlong.ReadVarUInt().status().code(), StatusCode::kCorruption);
}

TEST(RowBinaryTest, ArraySizeAboveTheBytesLeftIsCorruption) {
  RowBinaryWriter w;
  w.PutArraySize(1'000'000'000'000);
  w.PutUInt8(1);
  RowBinaryReader r(w.data());
  auto n = r.ReadArraySize();
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), StatusCode::kCorruption);
  EXPECT_NE(n.status().message().find("1000000000000"), std::string::npos) << n.status().ToString();
}

// Arbitrary bytes through every read: errors, never a read past the end.
TEST(RowBinaryTest, RandomInputNeverReadsOutOfBounds) {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 20000; ++round) {
    std::string input(rng() % 40, '\0');
    for (char& c : input) c = static_cast<char>(rng());
    RowBinaryReader r(input);
    for (int step = 0; step < 16 && !r.AtEnd(); ++step) {
      const size_t before = r.position();
      bool ok = false;
      switch (rng() % 6) {
        case 0:
          ok = r.ReadUInt8().ok();
          break;
        case 1:
          ok = r.ReadUInt64().ok();
          break;
        case 2:
          ok = r.ReadFloat64().ok();
          break;
        case 3: {
          auto s = r.ReadString();
          ok = s.ok();
          if (ok) {
            EXPECT_LE(s->data() + s->size(), input.data() + input.size());
          }
          break;
        }
        case 4:
          ok = r.ReadArraySize().ok();
          break;
        default:
          ok = r.ReadVarUInt().ok();
          break;
      }
      ASSERT_LE(r.position(), input.size());
      if (!ok) {
        ASSERT_EQ(r.position(), before);
      }
    }
  }
}

}  // namespace
}  // namespace unmogrowp
