#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace unmogrowp {
namespace {

TEST(IdsTest, UuidV7HasVersionVariantAndTimestamp) {
  IdGenerator gen(42);
  std::string id = gen.NewUuidV7(0x0123456789ABLL);
  ASSERT_TRUE(LooksLikeUuid(id)) << id;
  EXPECT_EQ(id.substr(0, 8), "01234567");
  EXPECT_EQ(id.substr(9, 4), "89ab");
  EXPECT_EQ(id[14], '7');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b') << id;
}

TEST(IdsTest, UuidsAreDistinct) {
  IdGenerator gen(7);
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(gen.NewUuidV7(1700000000000));
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(IdsTest, RandomHexToken) {
  std::string a = RandomHexToken(32);
  std::string b = RandomHexToken(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(IdsTest, LooksLikeUuid) {
  EXPECT_TRUE(LooksLikeUuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_FALSE(LooksLikeUuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(LooksLikeUuid("123e4567-e89b-12d3-a456-42661417400g"));
}

}  // namespace
}  // namespace unmogrowp
