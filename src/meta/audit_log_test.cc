#include "meta/audit_log.h"

#include <gtest/gtest.h>

namespace unmogrowp {
namespace {

TEST(DeviceTargetTest, IsTheSha256HexOfTheId) {
  // printf %s dev-1 | sha256sum
  EXPECT_EQ(DeviceTarget("dev-1"),
            "device_sha256:0388fb626ca89a127847443989334b8c29e17567bc03a7a2ed13effca701a4a1");
  // printf %s "" | sha256sum
  EXPECT_EQ(DeviceTarget(""),
            "device_sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_NE(DeviceTarget("dev-1"), DeviceTarget("dev-2"));
}

}  // namespace
}  // namespace unmogrowp
