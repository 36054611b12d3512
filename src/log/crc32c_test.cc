#include "log/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace unmogrowp::crc32c {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Value("123456789"), 0xE3069283u);
  EXPECT_EQ(ExtendPortable(0, "123456789", 9), 0xE3069283u);
  // RFC 3720 (iSCSI) B.4 vectors, as in leveldb's crc32c_test.
  std::string zeros(32, '\0');
  EXPECT_EQ(Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(Value(ones), 0x62a8ab43u);
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  EXPECT_EQ(Value(ascending), 0x46dd794eu);
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) descending[i] = static_cast<char>(31 - i);
  EXPECT_EQ(Value(descending), 0x113fdb5cu);
  EXPECT_EQ(Value(""), 0u);
}

TEST(Crc32cTest, HardwareAgreesWithBoostOnRandomData) {
  std::mt19937_64 rng(42);
  std::string data(4096 + 64, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  // Every length up to 300 and some long ones, at every alignment mod 8.
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n = 0; n < 300; ++n) {
      ASSERT_EQ(Value(data.data() + offset, n), ExtendPortable(0, data.data() + offset, n))
          << "offset " << offset << " length " << n;
    }
    for (size_t n : {1024u, 4093u, 4096u}) {
      ASSERT_EQ(Value(data.data() + offset, n), ExtendPortable(0, data.data() + offset, n));
    }
  }
}

TEST(Crc32cTest, ExtendEqualsValueOfConcatenation) {
  std::string a = "hello ";
  std::string b = "world, this is a longer tail to cross a word boundary";
  uint32_t whole = Value(a + b);
  EXPECT_EQ(Extend(Value(a), b.data(), b.size()), whole);
  EXPECT_EQ(ExtendPortable(ExtendPortable(0, a.data(), a.size()), b.data(), b.size()), whole);
}

TEST(Crc32cTest, DifferentDataDifferentCrc) {
  EXPECT_NE(Value("a"), Value("foo"));
  EXPECT_NE(Value("foo"), Value("bar"));
}

TEST(Crc32cTest, MaskRoundTripsAndChangesValue) {
  uint32_t crc = Value("foo");
  EXPECT_NE(crc, Mask(crc));
  EXPECT_NE(crc, Mask(Mask(crc)));
  EXPECT_EQ(crc, Unmask(Mask(crc)));
  EXPECT_EQ(crc, Unmask(Unmask(Mask(Mask(crc)))));
}

}  // namespace
}  // namespace unmogrowp::crc32c
