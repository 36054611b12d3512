#include "event/ip.h"

#include <gtest/gtest.h>

#include <string>

namespace unmogrowp {
namespace {

TEST(IpTest, AcceptsIpv4DottedQuads) {
  for (std::string_view ip :
       {"0.0.0.0", "1.2.3.4", "127.0.0.1", "203.0.113.255", "255.255.255.255", "10.0.0.1"}) {
    EXPECT_TRUE(IsValidIpAddress(ip)) << ip;
  }
}

TEST(IpTest, AcceptsIpv6TextForms) {
  for (std::string_view ip :
       {"::", "::1", "2001:db8::1", "fe80::1", "FE80::ABCD",
        "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8",
        "1::", "64:ff9b::203.0.113.1", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"}) {
    EXPECT_TRUE(IsValidIpAddress(ip)) << ip;
  }
}

TEST(IpTest, RejectsEverythingElse) {
  for (std::string_view ip : {"",
                              "256.1.1.1",
                              "1.2.3",
                              "1.2.3.4.5",
                              "01.2.3.4",
                              "1.2.3.04",
                              "1.2.3.-4",
                              "0x1.2.3.4",
                              " 1.2.3.4",
                              "1.2.3.4 ",
                              "1.2.3.4/24",
                              "[::1]",
                              "fe80::1%eth0",
                              "2001:db8:::1",
                              "1:2:3:4:5:6:7:8:9",
                              "1::2::3",
                              "gggg::1",
                              "12345::1",
                              "localhost",
                              "1.2.3.4:80",
                              "::ffff:256.0.0.1"}) {
    EXPECT_FALSE(IsValidIpAddress(ip)) << ip;
  }
}

TEST(IpTest, RejectsEmbeddedNulAndOverlongText) {
  EXPECT_FALSE(IsValidIpAddress(std::string_view("1.2.3.4\0junk", 12)));
  EXPECT_FALSE(IsValidIpAddress(std::string_view("1.2.3.4\0", 8)));
  // 46 chars: one past the longest valid form.
  EXPECT_FALSE(IsValidIpAddress("0ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"));
  EXPECT_FALSE(IsValidIpAddress(std::string(1000, '1')));
}

}  // namespace
}  // namespace unmogrowp
