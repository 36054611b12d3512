#include "event/field_rules.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace unmogrowp {
namespace {

TEST(EventTypeRuleTest, LengthOneToSixtyFour) {
  EXPECT_FALSE(IsValidEventType(""));
  EXPECT_TRUE(IsValidEventType("a"));
  EXPECT_TRUE(IsValidEventType(std::string(64, 'a')));
  EXPECT_FALSE(IsValidEventType(std::string(65, 'a')));
}

TEST(EventTypeRuleTest, OnlyLowerCaseDigitsAndUnderscore) {
  for (int c = 0; c < 256; ++c) {
    const std::string type(1, static_cast<char>(c));
    const bool expected = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    EXPECT_EQ(IsValidEventType(type), expected) << c;
    EXPECT_EQ(IsValidEventType("ab" + type + "cd"), expected) << c;
  }
  EXPECT_TRUE(IsValidEventType("level_2_complete"));
  EXPECT_FALSE(IsValidEventType("Open"));
  EXPECT_FALSE(IsValidEventType("add-to-cart"));
  EXPECT_FALSE(IsValidEventType("caf\xc3\xa9"));
}

TEST(CurrencyRuleTest, ThreeUpperCaseLetters) {
  EXPECT_TRUE(IsValidCurrency("USD"));
  EXPECT_TRUE(IsValidCurrency("AZZ"));
  for (std::string_view c : {"", "US", "USDD", "usd", "Usd", "U1D", "U D", "US$", "@BC", "AB["}) {
    EXPECT_FALSE(IsValidCurrency(c)) << c;
  }
}

TEST(TimestampRangeTest, NotBefore2000) {
  EXPECT_EQ(kMinTimestampMs, 946'684'800'000);
  EXPECT_TRUE(IsAtOrAfterMinTimestamp(946'684'800'000));
  EXPECT_FALSE(IsAtOrAfterMinTimestamp(946'684'799'999));
  EXPECT_FALSE(IsAtOrAfterMinTimestamp(std::numeric_limits<int64_t>::min()));
}

TEST(TimestampRangeTest, AtMostTenMinutesAhead) {
  const int64_t now = 1'717'000'000'000;
  EXPECT_TRUE(IsWithinFutureSkew(now, now));
  EXPECT_TRUE(IsWithinFutureSkew(now + 600'000, now));
  EXPECT_FALSE(IsWithinFutureSkew(now + 600'001, now));
  EXPECT_TRUE(IsWithinFutureSkew(0, now));
  EXPECT_FALSE(IsWithinFutureSkew(std::numeric_limits<int64_t>::max(), now));
  // now + 10 minutes overflows: nothing is too far ahead.
  EXPECT_TRUE(IsWithinFutureSkew(std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::max() - 5));
  EXPECT_FALSE(
      IsWithinFutureSkew(std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()));
}

}  // namespace
}  // namespace unmogrowp
