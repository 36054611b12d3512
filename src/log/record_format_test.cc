#include "log/record_format.h"

#include <gtest/gtest.h>

#include <string>

namespace unmogrowp::log_format {
namespace {

TEST(RecordFormatTest, FramesLengthCrcAndPayload) {
  std::string out;
  AppendRecord("hello", &out);
  ASSERT_EQ(out.size(), kHeaderBytes + 5);
  RecordHeader header = DecodeHeader(out.data());
  EXPECT_EQ(header.payload_bytes, 5u);
  EXPECT_FALSE(header.group_start);
  EXPECT_EQ(out.substr(kHeaderBytes), "hello");
  // Little-endian length word.
  EXPECT_EQ(out[0], 5);
  EXPECT_EQ(out[1], 0);
  EXPECT_TRUE(CrcMatches(out));
}

TEST(RecordFormatTest, EmptyPayloadIsValidButZeroHeaderIsNot) {
  std::string out;
  AppendRecord("", &out);
  EXPECT_TRUE(CrcMatches(out));
  EXPECT_FALSE(CrcMatches(std::string(kHeaderBytes, '\0')));
}

TEST(RecordFormatTest, GroupStartFlagIsCoveredByCrc) {
  std::string out;
  AppendRecord("payload", &out);
  std::string flagged_without_new_crc = out;
  flagged_without_new_crc[3] = static_cast<char>(flagged_without_new_crc[3] | 0x80);
  EXPECT_FALSE(CrcMatches(flagged_without_new_crc));

  MarkGroupStart(out.data());
  RecordHeader header = DecodeHeader(out.data());
  EXPECT_TRUE(header.group_start);
  EXPECT_EQ(header.payload_bytes, 7u);
  EXPECT_TRUE(CrcMatches(out));
}

TEST(RecordFormatTest, AnyFlippedBitFailsCrc) {
  std::string out;
  AppendRecord("some payload bytes", &out);
  for (size_t byte = 0; byte < out.size(); ++byte) {
    if (byte < 4) continue;  // a flipped length changes the framing; covered elsewhere
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = out;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      EXPECT_FALSE(CrcMatches(damaged)) << "byte " << byte << " bit " << bit;
    }
  }
}

}  // namespace
}  // namespace unmogrowp::log_format
