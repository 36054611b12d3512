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

TEST_F(RouterTest, DecodesPlaceholders) {
  // A device id with '/', '%' and a space, as encodeURIComponent sends it;
  // '+' is not a space in a path; a malformed escape is kept as sent.
  HttpRequest r = Req("POST", "/v1/apps/a%2Fb%25c%20d+e/rotate-key");
  ASSERT_NE(router_.Match(&r).handler, nullptr);
  ASSERT_EQ(r.path_params.size(), 1u);
  EXPECT_EQ(r.path_params[0], "a/b%c d+e");
  HttpRequest bad = Req("POST", "/v1/apps/50%zz/rotate-key");
  ASSERT_NE(router_.Match(&bad).handler, nullptr);
  EXPECT_EQ(bad.path_params[0], "50%zz");
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

TEST_F(RouterTest, FallbackAnswersUnknownPathsOnly) {
  int called = 0;
  router_.SetFallback("static", [&called](HttpRequest&, Responder) { ++called; });

  HttpRequest unknown = Req("GET", "/apps/app_1/overview");
  RouteMatch m = router_.Match(&unknown);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route_name, "static");
  EXPECT_FALSE(m.path_matched);
  EXPECT_TRUE(unknown.path_params.empty());
  (*m.handler)(unknown, Responder([](HttpResponse) {}));
  EXPECT_EQ(called, 1);

  // A real route still wins, and a known path with another method stays a 405.
  HttpRequest known = Req("GET", "/v1/apps/x");
  EXPECT_EQ(router_.Match(&known).route_name, "apps_get");
  HttpRequest wrong_method = Req("DELETE", "/v1/apps/x");
  RouteMatch m405 = router_.Match(&wrong_method);
  EXPECT_EQ(m405.handler, nullptr);
  EXPECT_TRUE(m405.path_matched);
  EXPECT_EQ(m405.route_name, "unmatched");
}

TEST_F(RouterTest, RouteNamesIncludeTheFallback) {
  EXPECT_EQ(router_.RouteNames(),
            (std::vector<std::string>{"apps_list", "apps_create", "apps_get", "apps_rotate"}));
  router_.SetFallback("static", [](HttpRequest&, Responder) {});
  EXPECT_EQ(router_.RouteNames(), (std::vector<std::string>{"apps_list", "apps_create", "apps_get",
                                                            "apps_rotate", "static"}));
}

}  // namespace
}  // namespace unmogrowp::http
