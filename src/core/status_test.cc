#include "core/status.h"

#include <gtest/gtest.h>

#include "core/result.h"

namespace unmogrowp {
namespace {

TEST(StatusTest, OkHasNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, InvalidArgumentKeepsFieldAndReason) {
  Status s = Status::InvalidArgument("timestamp", "must be after 2000-01-01", "invalid_timestamp");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.field(), "timestamp");
  EXPECT_EQ(s.reason(), "invalid_timestamp");
  EXPECT_EQ(s.ToString(), "InvalidArgument: timestamp: must be after 2000-01-01");
  Status copy = s;
  EXPECT_EQ(copy.field(), "timestamp");
}

TEST(StatusTest, DefaultReasonFollowsCode) {
  EXPECT_EQ(Status::Unauthenticated("no key").reason(), "unauthorized");
  EXPECT_EQ(Status::NotFound("x").reason(), "not_found");
  EXPECT_EQ(Status::IOError("disk").WithContext("segment 3").message(), "segment 3: disk");
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("x", "odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  UM_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "x");
}

}  // namespace
}  // namespace unmogrowp
