#include "api/app_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace unmogrowp::api {
namespace {

struct ErrorCase {
  std::string body;
  std::string field;
  std::string reason;
};

void ExpectError(const Status& s, const ErrorCase& c) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.body;
  EXPECT_EQ(s.field(), c.field) << c.body;
  EXPECT_EQ(s.reason(), c.reason) << c.body;
  EXPECT_FALSE(s.message().empty()) << c.body;
}

TEST(ParseAppCreateTest, FillsDefaults) {
  auto r = ParseAppCreate(R"({"name":"Acme","platform":"ios"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "Acme");
  EXPECT_EQ(r->platform, "ios");
  EXPECT_EQ(r->settings, AppSettings());
}

TEST(ParseAppCreateTest, ReadsEverySetting) {
  auto r = ParseAppCreate(R"({"name":"A","platform":"web","extra":[1,2],"settings":{
      "click_lookback_hours":0,"impression_lookback_hours":12,"probabilistic":false,
      "probabilistic_window_hours":6,"mta_lookback_days":90,"time_decay_half_life_hours":1.5,
      "retention_days":30,"future_setting":"ignored"}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  AppSettings want;
  want.click_lookback_hours = 0;
  want.impression_lookback_hours = 12;
  want.probabilistic = false;
  want.probabilistic_window_hours = 6;
  want.mta_lookback_days = 90;
  want.time_decay_half_life_hours = 1.5;
  want.retention_days = 30;
  EXPECT_EQ(r->settings, want);
}

TEST(ParseAppCreateTest, PartialSettingsKeepOtherDefaults) {
  auto r = ParseAppCreate(
      R"({"name":"A","platform":"android","settings":{"time_decay_half_life_hours":48}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  AppSettings want;
  want.time_decay_half_life_hours = 48;
  EXPECT_EQ(r->settings, want);
}

TEST(ParseAppCreateTest, NullMeansAbsent) {
  auto r =
      ParseAppCreate(R"({"name":"A","platform":"ios","settings":{"click_lookback_hours":null}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->settings, AppSettings());
  ASSERT_TRUE(ParseAppCreate(R"({"name":"A","platform":"ios","settings":null})").ok());
  ExpectError(ParseAppCreate(R"({"name":null,"platform":"ios"})").status(),
              {"", "name", "missing_field"});
}

TEST(ParseAppCreateTest, ErrorsNameTheFieldAndReason) {
  const std::vector<ErrorCase> cases = {
      {"", "", "invalid_json"},
      {"{", "", "invalid_json"},
      {"[]", "", "invalid_json"},
      {"\"app\"", "", "invalid_json"},
      {R"({"name":"a","platform":"ios"} x)", "", "invalid_json"},
      {R"({"name":"a","platform":"ios","settings":{"x":1e999}})", "", "invalid_json"},
      {R"({"platform":"ios"})", "name", "missing_field"},
      {R"({"name":"a"})", "platform", "missing_field"},
      {R"({"name":5,"platform":"ios"})", "name", "invalid_type"},
      {R"({"name":"","platform":"ios"})", "name", "invalid_value"},
      {R"({"name":")" + std::string(201, 'n') + R"(","platform":"ios"})", "name", "invalid_value"},
      {R"({"name":"a","platform":true})", "platform", "invalid_type"},
      {R"({"name":"a","platform":"blackberry"})", "platform", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":[]})", "settings", "invalid_type"},
      {R"({"name":"a","platform":"ios","settings":{"click_lookback_hours":-1}})",
       "settings.click_lookback_hours", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"click_lookback_hours":1.5}})",
       "settings.click_lookback_hours", "invalid_type"},
      {R"({"name":"a","platform":"ios","settings":{"click_lookback_hours":"24"}})",
       "settings.click_lookback_hours", "invalid_type"},
      {R"({"name":"a","platform":"ios","settings":{"click_lookback_hours":18446744073709551615}})",
       "settings.click_lookback_hours", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"impression_lookback_hours":-1}})",
       "settings.impression_lookback_hours", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"probabilistic":"yes"}})",
       "settings.probabilistic", "invalid_type"},
      {R"({"name":"a","platform":"ios","settings":{"probabilistic_window_hours":-1}})",
       "settings.probabilistic_window_hours", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"mta_lookback_days":-1}})",
       "settings.mta_lookback_days", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"mta_lookback_days":0}})",
       "settings.mta_lookback_days", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"time_decay_half_life_hours":-1}})",
       "settings.time_decay_half_life_hours", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"time_decay_half_life_hours":0}})",
       "settings.time_decay_half_life_hours", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"time_decay_half_life_hours":"1"}})",
       "settings.time_decay_half_life_hours", "invalid_type"},
      {R"({"name":"a","platform":"ios","settings":{"retention_days":0}})",
       "settings.retention_days", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"retention_days":3651}})",
       "settings.retention_days", "invalid_value"},
      {R"({"name":"a","platform":"ios","settings":{"retention_days":30.5}})",
       "settings.retention_days", "invalid_type"},
  };
  for (const ErrorCase& c : cases) {
    auto r = ParseAppCreate(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    ExpectError(r.status(), c);
  }
}

TEST(ParseAppPatchTest, MergesPartialSettings) {
  AppSettings current;
  current.click_lookback_hours = 72;
  current.probabilistic = false;
  auto r = ParseAppPatch(R"({"settings":{"impression_lookback_hours":1}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->name.has_value());
  ASSERT_TRUE(r->edit_settings);
  AppSettings edited = current;
  ASSERT_TRUE(r->edit_settings(edited).ok());
  AppSettings want = current;
  want.impression_lookback_hours = 1;
  EXPECT_EQ(edited, want);
}

TEST(ParseAppPatchTest, RetentionDaysBoundsAndMerge) {
  AppSettings current;
  current.mta_lookback_days = 7;
  for (int64_t days : {1, 3650}) {
    auto r = ParseAppPatch(R"({"settings":{"retention_days":)" + std::to_string(days) + "}}");
    ASSERT_TRUE(r.ok()) << days << ": " << r.status().ToString();
    AppSettings edited = current;
    ASSERT_TRUE(r->edit_settings(edited).ok());
    AppSettings want = current;
    want.retention_days = days;
    EXPECT_EQ(edited, want);
  }
  // A stored value the patch does not name is kept.
  current.retention_days = 90;
  auto r = ParseAppPatch(R"({"settings":{"probabilistic":false}})");
  ASSERT_TRUE(r.ok());
  AppSettings edited = current;
  ASSERT_TRUE(r->edit_settings(edited).ok());
  EXPECT_EQ(edited.retention_days, 90);
  EXPECT_FALSE(edited.probabilistic);
}

TEST(ParseAppPatchTest, NameOnlyAndEmptyPatch) {
  auto r = ParseAppPatch(R"({"name":"renamed"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "renamed");
  EXPECT_FALSE(r->edit_settings);

  auto empty = ParseAppPatch("{}");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->name.has_value());
  EXPECT_FALSE(empty->edit_settings);
}

TEST(ParseAppPatchTest, ErrorsNameTheFieldAndReason) {
  const std::vector<ErrorCase> cases = {
      {"nope", "", "invalid_json"},
      {"[1]", "", "invalid_json"},
      {R"({"name":""})", "name", "invalid_value"},
      {R"({"name":[]})", "name", "invalid_type"},
      {R"({"settings":7})", "settings", "invalid_type"},
      {R"({"settings":{"mta_lookback_days":400}})", "settings.mta_lookback_days", "invalid_value"},
      {R"({"settings":{"probabilistic_window_hours":8761}})", "settings.probabilistic_window_hours",
       "invalid_value"},
      {R"({"settings":{"retention_days":0}})", "settings.retention_days", "invalid_value"},
      {R"({"settings":{"retention_days":3651}})", "settings.retention_days", "invalid_value"},
  };
  for (const ErrorCase& c : cases) {
    auto r = ParseAppPatch(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    ExpectError(r.status(), c);
  }
}

App SampleApp() {
  App app;
  app.id = "app_0123456789abcdef";
  app.name = "Acme \"Games\"";
  app.platform = "android";
  app.settings.time_decay_half_life_hours = 12.5;
  app.created_ms = 1795675200000;  // 2026-11-26T06:40:00Z
  app.updated_ms = 1795675200000 + 61'001;
  return app;
}

TEST(AppendAppJsonTest, WritesEveryField) {
  std::string out;
  AppendAppJson(SampleApp(), "", &out);
  EXPECT_EQ(out, R"({"id":"app_0123456789abcdef","name":"Acme \"Games\"","platform":"android",)"
                 R"("settings":{"click_lookback_hours":168,"impression_lookback_hours":24,)"
                 R"("probabilistic":true,"probabilistic_window_hours":24,"mta_lookback_days":30,)"
                 R"("time_decay_half_life_hours":12.5,"retention_days":400},"demo":false,)"
                 R"("created_at":"2026-11-26T06:40:00.000Z",)"
                 R"("updated_at":"2026-11-26T06:41:01.001Z"})");
}

TEST(AppendAppJsonTest, WritesTheDemoFlag) {
  App app = SampleApp();
  app.demo = true;
  std::string out;
  AppendAppJson(app, "umk_abc", &out);
  EXPECT_NE(out.find(R"("retention_days":400},"demo":true,"created_at":)"), std::string::npos)
      << out;
}

TEST(ParseAppCreateTest, IgnoresADemoField) {
  // Clients cannot make demo apps: the field is unknown to the create body.
  auto r = ParseAppCreate(R"({"name":"A","platform":"ios","demo":true})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "A");
  auto typed_wrong = ParseAppCreate(R"({"name":"A","platform":"ios","demo":"yes"})");
  EXPECT_TRUE(typed_wrong.ok()) << typed_wrong.status().ToString();
}

TEST(AppendAppJsonTest, ApiKeyOnlyWhenGiven) {
  std::string out;
  AppendAppJson(SampleApp(), "umk_abc", &out);
  EXPECT_NE(out.find(R"("platform":"android","api_key":"umk_abc","settings":)"), std::string::npos)
      << out;
}

TEST(AppendAppJsonTest, OutputParsesBackToTheSameSettings) {
  App app = SampleApp();
  app.settings.click_lookback_hours = 0;
  app.settings.probabilistic = false;
  app.settings.retention_days = 3650;
  std::string out;
  AppendAppJson(app, "", &out);
  // The app object is also a valid create body (id and times are ignored).
  auto parsed = ParseAppCreate(out);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << out;
  EXPECT_EQ(parsed->name, app.name);
  EXPECT_EQ(parsed->settings, app.settings);
}

TEST(AppendAppListJsonTest, WrapsAppsInAnArray) {
  std::string out;
  AppendAppListJson({}, &out);
  EXPECT_EQ(out, R"({"apps":[]})");
  out.clear();
  App a = SampleApp();
  App b = SampleApp();
  b.id = "app_b";
  AppendAppListJson({a, b}, &out);
  EXPECT_TRUE(out.starts_with(R"({"apps":[{"id":"app_0123456789abcdef")")) << out;
  EXPECT_NE(out.find(R"(},{"id":"app_b")"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("}]}")) << out;
}

}  // namespace
}  // namespace unmogrowp::api
