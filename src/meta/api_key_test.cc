#include "meta/api_key.h"

#include <gtest/gtest.h>

#include <set>

#include "meta/api_key_index.h"
#include "meta/secret.h"

namespace unmogrowp {
namespace {

TEST(ApiKeyTest, KeysAndIdsHaveTheirShape) {
  std::string key = NewApiKey();
  EXPECT_EQ(key.size(), kApiKeyLength);
  EXPECT_TRUE(key.starts_with("umk_"));
  EXPECT_TRUE(LooksLikeApiKey(key));
  std::string id = NewAppId();
  EXPECT_EQ(id.size(), 20u);
  EXPECT_TRUE(id.starts_with("app_"));
}

TEST(ApiKeyTest, KeysAreDistinct) {
  std::set<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.insert(NewApiKey());
  EXPECT_EQ(keys.size(), 100u);
}

TEST(ApiKeyTest, LooksLikeApiKeyRejectsOtherShapes) {
  std::string key = NewApiKey();
  EXPECT_FALSE(LooksLikeApiKey(""));
  EXPECT_FALSE(LooksLikeApiKey(key.substr(1)));
  EXPECT_FALSE(LooksLikeApiKey(key + "0"));
  EXPECT_FALSE(LooksLikeApiKey("xxx_" + key.substr(4)));
  std::string upper = key;
  upper[10] = 'G';
  EXPECT_FALSE(LooksLikeApiKey(upper));
}

TEST(SecretTest, EqualityIsByContent) {
  EXPECT_TRUE(SecretEquals("abc", "abc"));
  EXPECT_FALSE(SecretEquals("abc", "abd"));
  EXPECT_FALSE(SecretEquals("abc", "abcd"));
  EXPECT_FALSE(SecretEquals("", "a"));
  EXPECT_TRUE(DigestEquals(HashSecret("k"), HashSecret("k")));
  EXPECT_FALSE(DigestEquals(HashSecret("k"), HashSecret("K")));
}

TEST(SecretTest, Sha256OfKnownInput) {
  // FIPS 180-2 test vector: SHA-256("abc").
  SecretDigest d = HashSecret("abc");
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[1], 0x78);
  EXPECT_EQ(d[31], 0xad);
}

TEST(ApiKeyIndexTest, FindsPutKeysAndForgetsReplacedOnes) {
  ApiKeyIndex index;
  std::string k1 = NewApiKey();
  std::string k2 = NewApiKey();
  index.Put(HashSecret(k1), "app_1");
  ASSERT_TRUE(index.Find(k1).ok());
  EXPECT_EQ(*index.Find(k1), "app_1");
  EXPECT_EQ(index.Find(k2).status().code(), StatusCode::kUnauthenticated);

  index.Replace(HashSecret(k1), HashSecret(k2), "app_1");
  EXPECT_EQ(index.Find(k1).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(*index.Find(k2), "app_1");
  EXPECT_EQ(index.size(), 1u);

  std::string k3 = NewApiKey();
  index.Put(HashSecret(k3), "app_3");
  index.Erase(HashSecret(k2));
  EXPECT_EQ(index.Find(k2).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(*index.Find(k3), "app_3");
  EXPECT_EQ(index.size(), 1u);
}

TEST(ApiKeyIndexTest, EmptyAndMalformedKeysAreUnauthenticated) {
  ApiKeyIndex index;
  Status empty = index.Find("").status();
  EXPECT_EQ(empty.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(empty.reason(), "unauthorized");
  EXPECT_EQ(index.Find("not-a-key").status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace unmogrowp
