#include "http/router.h"

#include <gtest/gtest.h>

namespace unmogrowp::http {
namespace {

HttpRequest Req(std::string_view method, std::string_view path) {
  HttpRequest r;
  r.method = method;
  r.path = path;
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/v1/apps", "apps_list", [](HttpRequest&, Responder) {});
    router_.Add("POST", "/v1/apps", "apps_create", [](HttpRequest&, Responder) {});
    router_.Add("GET", "/v1/apps/{id}", "apps_get", [](HttpRequest&, Responder) {});
    router_.Add("POST", "/v1/apps/{id}/rotate-key", "apps_rotate", [](HttpRequest&, Responder) {});
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralAndMethod) {
  HttpRequest r = Req("POST", "/v1/apps");
  RouteMatch m = router_.Match(&r);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route_name, "apps_create");
}

TEST_F(RouterTest, ExtractsPlaceholders) {
  HttpRequest r = Req("POST", "/v1/apps/app_12/rotate-key");
  RouteMatch m = router_.Match(&r);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route_name, "apps_rotate");
  ASSERT_EQ(r.path_params.size(), 1u);
  EXPECT_EQ(r.path_params[0], "app_12");
}

TEST_F(RouterTest, TrailingSlashIsTheSamePath) {
  HttpRequest r = Req("GET", "/v1/apps/");
  EXPECT_EQ(router_.Match(&r).route_name, "apps_list");
}

TEST_F(RouterTest, WrongMethodIsReportedAsPathMatch) {
  HttpRequest r = Req("DELETE", "/v1/apps/x");
  RouteMatch m = router_.Match(&r);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.path_matched);
}

TEST_F(RouterTest, UnknownPath) {
  HttpRequest r = Req("GET", "/v2/nothing");
  RouteMatch m = router_.Match(&r);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_FALSE(m.path_matched);
  EXPECT_EQ(m.route_name, "unmatched");
}

}  // namespace
}  // namespace unmogrowp::http
