// End to end, in-process: DELETE /v1/apps/{app_id} on an app with data, next
// to an app that keeps its own. The app, its key and its reports go at once;
// a restart and a rebuild of the derived state from the event log do not
// bring it back; maintenance wipes its raw events from the log files; every
// app action is in the audit log, no API key is (docs/reports.md, "App
// deletion").

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/clock.h"
#include "report_test_util.h"
#include "server_fixture.h"

namespace unmogrowp {
namespace {

constexpr int64_t kHour = 3'600'000;

// Every byte of the event log's segment files.
std::string LogBytes(const fs::path& data_dir) {
  std::string bytes;
  for (const auto& entry : fs::directory_iterator(data_dir / "log")) {
    if (entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return bytes;
}

class AppDeleteE2eTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    auto created = Admin("POST", "/v1/apps", R"({"name":"Kept","platform":"android"})");
    ASSERT_EQ(created.status, 201) << created.body;
    kept_id_ = Field(created.body, "id");
    kept_key_ = Field(created.body, "api_key");
    t0_ = SystemClock::Instance().NowMs() - 24 * kHour;
  }

  // An install, a click and a purchase of one device, under `api_key`.
  void PostJourney(const std::string& api_key, const std::string& tag) {
    std::string batch =
        "[" + Ev("c-" + tag, "click", t0_, "dev-" + tag, R"("source":"google","campaign":"camp")") +
        "," + Ev("i-" + tag, "install", t0_ + kHour, "dev-" + tag) + "," +
        Ev("p-" + tag, "purchase", t0_ + 2 * kHour, "dev-" + tag,
           R"("revenue":3.5,"currency":"USD")") +
        "]";
    auto r = Call("POST", "/v1/events/batch",
                  {{"X-Api-Key", api_key}, {"Content-Type", "application/json"}}, batch);
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_NE(r.body.find("\"accepted\":3"), std::string::npos) << r.body;
  }

  std::string Export(const std::string& app_id) {
    auto r = Admin("GET", "/v1/apps/" + app_id + "/events/export?format=ndjson");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }

  std::string kept_id_;
  std::string kept_key_;
  int64_t t0_ = 0;
};

TEST_F(AppDeleteE2eTest, DeletesTheAppWithAllItsDataAndNothingElse) {
  PostJourney(api_key_, "gone");
  PostJourney(kept_key_, "kept");
  WaitForPipeline();
  const std::string kept_export = Export(kept_id_);
  ASSERT_NE(kept_export.find("p-kept"), std::string::npos) << kept_export;
  ASSERT_NE(Export(app_id_).find("p-gone"), std::string::npos);
  const std::string kept_installs =
      Admin("GET", "/v1/apps/" + kept_id_ + "/attribution/installs").body;
  ASSERT_NE(LogBytes(dir_).find("dev-gone"), std::string::npos);

  const std::string app = "/v1/apps/" + app_id_;
  EXPECT_EQ(Call("DELETE", app, {}).status, 401);
  auto deleted = Admin("DELETE", app);
  ASSERT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_TRUE(deleted.body.empty()) << deleted.body;

  // Gone from every endpoint at once, its key with it.
  EXPECT_EQ(Admin("GET", app).status, 404);
  EXPECT_EQ(Admin("DELETE", app).status, 404);
  EXPECT_EQ(Admin("PATCH", app, R"({"name":"x"})").status, 404);
  EXPECT_EQ(Admin("GET", app + "/events/export").status, 404);
  EXPECT_EQ(Admin("GET", app + "/devices/dev-gone").status, 404);
  EXPECT_EQ(Admin("GET", app + "/attribution/installs").status, 404);
  EXPECT_EQ(Ingest("/v1/events/batch", "[" + Ev("o-late", "open", t0_, "dev-gone") + "]").status,
            401);
  auto list = Admin("GET", "/v1/apps");
  EXPECT_EQ(list.body.find(app_id_), std::string::npos) << list.body;
  EXPECT_NE(list.body.find(kept_id_), std::string::npos) << list.body;

  // The other app is untouched.
  EXPECT_EQ(Export(kept_id_), kept_export);
  EXPECT_EQ(Admin("GET", "/v1/apps/" + kept_id_ + "/attribution/installs").body, kept_installs);

  // The audit log has the app's whole life, and no API key.
  auto audit = Admin("GET", "/v1/audit?app_id=" + app_id_);
  ASSERT_EQ(audit.status, 200) << audit.body;
  const size_t deleted_at = audit.body.find("\"action\":\"app.delete\"");
  const size_t created_at = audit.body.find("\"action\":\"app.create\"");
  EXPECT_NE(deleted_at, std::string::npos) << audit.body;
  EXPECT_NE(created_at, std::string::npos) << audit.body;
  EXPECT_LT(deleted_at, created_at) << "newest first: " << audit.body;
  EXPECT_NE(audit.body.find("\"actor\":\"admin\""), std::string::npos) << audit.body;
  EXPECT_EQ(audit.body.find(api_key_.substr(4)), std::string::npos) << audit.body;

  // Maintenance wipes its records from the log files; the other app's stay.
  auto maintained = Admin("POST", "/v1/maintenance");
  ASSERT_EQ(maintained.status, 200) << maintained.body;
  const std::string log = LogBytes(dir_);
  EXPECT_EQ(log.find("dev-gone"), std::string::npos);
  EXPECT_EQ(log.find("p-gone"), std::string::npos);
  EXPECT_NE(log.find("dev-kept"), std::string::npos);

  // A restart, then a rebuild of the derived state from the log.
  RestartServer();
  WaitForPipeline();
  EXPECT_EQ(Admin("GET", app).status, 404);
  EXPECT_EQ(Export(kept_id_), kept_export);
  client_.reset();
  service_.reset();
  fs::remove_all(dir_ / "state");
  StartServer();
  WaitForPipeline();
  EXPECT_EQ(Admin("GET", app).status, 404);
  EXPECT_EQ(Admin("GET", app + "/events/export").status, 404);
  EXPECT_EQ(Export(kept_id_), kept_export);
  EXPECT_EQ(Admin("GET", "/v1/apps/" + kept_id_ + "/attribution/installs").body, kept_installs);
}

TEST_F(AppDeleteE2eTest, AppChangesAreAuditedWithoutKeys) {
  const std::string app = "/v1/apps/" + kept_id_;
  auto patched = Admin("PATCH", app, R"({"name":"Renamed","settings":{"retention_days":30}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_NE(patched.body.find("\"demo\":false"), std::string::npos) << patched.body;
  auto rotated = Admin("POST", app + "/rotate-key");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string new_key = Field(rotated.body, "api_key");
  ASSERT_FALSE(new_key.empty()) << rotated.body;

  auto audit = Admin("GET", "/v1/audit?app_id=" + kept_id_);
  ASSERT_EQ(audit.status, 200) << audit.body;
  const std::vector<std::string> newest_first = {"app.rotate_key", "app.update", "app.create"};
  size_t at = 0;
  for (const std::string& action : newest_first) {
    size_t found = audit.body.find("\"action\":\"" + action + "\"", at);
    ASSERT_NE(found, std::string::npos) << action << " after byte " << at << ": " << audit.body;
    at = found;
  }
  EXPECT_NE(audit.body.find("changed name, settings.retention_days"), std::string::npos)
      << audit.body;
  for (const std::string& key : {kept_key_, new_key}) {
    EXPECT_EQ(audit.body.find(key.substr(4)), std::string::npos) << audit.body;
  }
}

}  // namespace
}  // namespace unmogrowp
