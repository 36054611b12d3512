#include "cli/listen_address.h"

#include <gtest/gtest.h>

namespace unmogrowp {
namespace {

TEST(ListenAddressTest, Forms) {
  auto a = ParseListenAddress("127.0.0.1:9000");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9000);
  auto b = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 0);
  auto c = ParseListenAddress(":8081");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "127.0.0.1");
  auto d = ParseListenAddress("8082");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 8082);
}

TEST(ListenAddressTest, Rejects) {
  EXPECT_FALSE(ParseListenAddress("localhost:").ok());
  EXPECT_FALSE(ParseListenAddress("1.2.3.4:70000").ok());
  EXPECT_FALSE(ParseListenAddress("1.2.3.4:80x").ok());
  EXPECT_EQ(ParseListenAddress("x").status().field(), "listen");
}

}  // namespace
}  // namespace unmogrowp
