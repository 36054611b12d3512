#include "core/ascii.h"

#include <gtest/gtest.h>

namespace unmogrowp {
namespace {

TEST(AsciiTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-length"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Length", "content-lengt"));
  EXPECT_FALSE(EqualsIgnoreCase("a[", "A{"));  // '[' and '{' differ by 0x20 but are not letters
}

TEST(AsciiTest, PercentDecode) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a%2Fb%2fc%25+d", false, &out));
  EXPECT_EQ(out, "a/b/c%+d");
  EXPECT_TRUE(PercentDecode("a+b%20c", true, &out));
  EXPECT_EQ(out, "a b c");
  EXPECT_TRUE(PercentDecode("%00", false, &out));
  EXPECT_EQ(out, std::string(1, '\0'));
  EXPECT_FALSE(PercentDecode("%", false, &out));
  EXPECT_FALSE(PercentDecode("ab%4", false, &out));
  EXPECT_FALSE(PercentDecode("%zz", false, &out));
  EXPECT_FALSE(PercentDecode("%4g", true, &out));
}

}  // namespace
}  // namespace unmogrowp
