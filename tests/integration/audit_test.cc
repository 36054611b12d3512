// Starts the whole server in-process and checks GET /v1/audit over real HTTP:
// admin auth, the empty log, paging and the app filter, entry JSON, and
// parameter errors naming their field. Entries are written through the audit
// log on the same database file (the erase endpoint writes them in service).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/clock.h"
#include "meta/sqlite_audit_log.h"
#include "meta/sqlite_db.h"
#include "server_fixture.h"

namespace unmogrowp {
namespace {

class AuditTest : public ServerTest {
 protected:
  // Starts from an empty log: the fixture's app creation is audited too
  // (app.create, tested in app_delete_e2e_test).
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    auto db = SqliteDb::Open((dir_ / "meta.sqlite3").string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Status cleared = (*db)->Exec("DELETE FROM audit_log");
    ASSERT_TRUE(cleared.ok()) << cleared.ToString();
  }

  // Appends through a second connection to the server's metadata database.
  AuditEntry Append(std::string app_id, std::string target, std::string detail = "") {
    if (audit_ == nullptr) {
      auto opened = SqliteAuditLog::Open((dir_ / "meta.sqlite3").string(), clock_);
      EXPECT_TRUE(opened.ok()) << opened.status().ToString();
      if (!opened.ok()) return AuditEntry();
      audit_ = std::move(opened).value();
    }
    AuditEntry entry;
    entry.actor = "admin";
    entry.action = "device.erase";
    entry.app_id = std::move(app_id);
    entry.target = std::move(target);
    entry.detail = std::move(detail);
    auto appended = audit_->Append(std::move(entry));
    EXPECT_TRUE(appended.ok()) << appended.status().ToString();
    return appended.ok() ? std::move(appended).value() : AuditEntry();
  }

  void TearDown() override {
    audit_.reset();
    ServerTest::TearDown();
  }

  ManualClock clock_{1'795'000'000'000};
  std::unique_ptr<SqliteAuditLog> audit_;
};

TEST_F(AuditTest, NeedsTheAdminToken) {
  auto none = Call("GET", "/v1/audit", {});
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.body.find("\"code\":\"unauthorized\""), std::string::npos) << none.body;
  auto wrong = Call("GET", "/v1/audit", {{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(wrong.status, 401);
  auto api_key = Call("GET", "/v1/audit", {{"X-Api-Key", api_key_}});
  EXPECT_EQ(api_key.status, 401);
}

TEST_F(AuditTest, EmptyLog) {
  auto r = Admin("GET", "/v1/audit");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"entries":[],"next_before":null})");
  auto filtered = Admin("GET", "/v1/audit?app_id=" + app_id_ + "&limit=1000&before=5");
  EXPECT_EQ(filtered.status, 200);
  EXPECT_EQ(filtered.body, R"({"entries":[],"next_before":null})");
}

TEST_F(AuditTest, BadParametersNameTheirField) {
  for (const char* limit : {"0", "1001", "-1", "abc", "", "1.5", "10x", "99999999999999999999"}) {
    ExpectBadParameter(std::string("/v1/audit?limit=") + limit, "limit");
  }
  for (const char* before : {"0", "-3", "x", "", "2e3", "99999999999999999999"}) {
    ExpectBadParameter(std::string("/v1/audit?before=") + before, "before");
  }
  EXPECT_EQ(Admin("GET", "/v1/audit?limit=1").status, 200);
  EXPECT_EQ(Admin("GET", "/v1/audit?limit=1000").status, 200);
  EXPECT_EQ(Admin("GET", "/v1/audit?before=9223372036854775807").status, 200);
}

TEST_F(AuditTest, ListsEntriesNewestFirstAPageAtATime) {
  AuditEntry first = Append(app_id_, DeviceTarget("dev-1"), "ticket \"7\"");
  AuditEntry global = Append("", "all");
  AuditEntry other = Append("app_other", DeviceTarget("dev-2"));

  auto all = Admin("GET", "/v1/audit");
  ASSERT_EQ(all.status, 200) << all.body;
  std::string want_first = fmt::format(
      R"({{"id":{},"at":1795000000000,"actor":"admin","action":"device.erase","app_id":"{}",)"
      R"("target":"{}","detail":"ticket \"7\""}})",
      first.id, app_id_, DeviceTarget("dev-1"));
  std::string want_global = fmt::format(
      R"({{"id":{},"at":1795000000000,"actor":"admin","action":"device.erase","app_id":null,)"
      R"("target":"all","detail":null}})",
      global.id);
  std::string want_other =
      fmt::format(R"({{"id":{},"at":1795000000000,"actor":"admin","action":"device.erase",)"
                  R"("app_id":"app_other","target":"{}","detail":null}})",
                  other.id, DeviceTarget("dev-2"));
  EXPECT_EQ(all.body, R"({"entries":[)" + want_other + "," + want_global + "," + want_first +
                          R"(],"next_before":null})");

  // A full page points at the next; the last page is short.
  auto page1 = Admin("GET", "/v1/audit?limit=2");
  EXPECT_EQ(page1.body, R"({"entries":[)" + want_other + "," + want_global + R"(],"next_before":)" +
                            std::to_string(global.id) + "}");
  auto page2 = Admin("GET", "/v1/audit?limit=2&before=" + std::to_string(global.id));
  EXPECT_EQ(page2.body, R"({"entries":[)" + want_first + R"(],"next_before":null})");

  auto own = Admin("GET", "/v1/audit?app_id=" + app_id_);
  EXPECT_EQ(own.body, R"({"entries":[)" + want_first + R"(],"next_before":null})");
}

}  // namespace
}  // namespace unmogrowp
