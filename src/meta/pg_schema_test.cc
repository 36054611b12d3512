#include "meta/pg_schema.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "core/clock.h"
#include "meta/pg_app_store.h"
#include "meta/pg_audit_log.h"
#include "meta/pg_scratch_database_for_test.h"

namespace unmogrowp {
namespace {

class PgSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(db_.name().empty());
    auto conn = PgConnection::Open(db_.url());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(conn).value();
  }

  PgRows MustQuery(const std::string& sql, const PgParams& params = {}) {
    auto rows = conn_->Exec(sql, params);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() ? std::move(rows).value() : PgRows();
  }

  // schema_migrations' versions, in order, as "1,2,...".
  std::string AppliedVersions() {
    PgRows rows = MustQuery(
        "SELECT COALESCE(string_agg(version::text, ',' ORDER BY version), '') "
        "FROM schema_migrations");
    return rows.empty() ? "?" : rows.Text(0, 0);
  }

  static std::string AllVersions() {
    std::string all;
    for (int64_t v = 1; v <= LatestPgSchemaVersion(); ++v) {
      if (!all.empty()) all += ",";
      all += std::to_string(v);
    }
    return all;
  }

  PgScratchDatabase db_;
  ManualClock clock_{1'795'000'000'000};
  std::unique_ptr<PgConnection> conn_;
};

TEST_F(PgSchemaTest, MigratesAFreshDatabaseAndRecordsEachVersion) {
  ASSERT_TRUE(MigratePgSchema(*conn_).ok());
  EXPECT_GE(LatestPgSchemaVersion(), 2);
  EXPECT_EQ(AppliedVersions(), AllVersions());
  PgRows stamped = MustQuery(
      "SELECT count(*) FROM schema_migrations WHERE applied_at > now() - interval '1 hour'");
  EXPECT_EQ(*stamped.Int64(0, 0), LatestPgSchemaVersion());
  PgRows tables = MustQuery(
      "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
      "WHERE table_schema = 'public'");
  EXPECT_EQ(tables.Text(0, 0), "apps,audit_log,schema_migrations");
}

TEST_F(PgSchemaTest, MigratingAgainChangesNothing) {
  ASSERT_TRUE(MigratePgSchema(*conn_).ok());
  PgRows first = MustQuery("SELECT version, applied_at::text FROM schema_migrations");
  {
    auto store = PgAppStore::Open(db_.url(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Create("kept", "ios", AppSettings(), false).ok());
  }
  for (int i = 0; i < 2; ++i) {
    auto store = PgAppStore::Open(db_.url(), clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ((*store)->List()->size(), 1u);
    auto log = PgAuditLog::Open(db_.url(), clock_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
  }
  PgRows second = MustQuery("SELECT version, applied_at::text FROM schema_migrations");
  ASSERT_EQ(second.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(second.Text(i, 0), first.Text(i, 0));
    EXPECT_EQ(second.Text(i, 1), first.Text(i, 1));
  }
}

TEST_F(PgSchemaTest, ConcurrentOpensMigrateOnce) {
  // Nodes starting at once on an empty database: the advisory lock lets one
  // migrate while the others wait, then find the work done.
  constexpr int kNodes = 4;
  std::vector<Status> results(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([this, i, &results] {
      if (i % 2 == 0) {
        auto store = PgAppStore::Open(db_.url(), clock_);
        results[i] = store.status();
      } else {
        auto log = PgAuditLog::Open(db_.url(), clock_);
        results[i] = log.status();
      }
    });
  }
  for (std::thread& node : nodes) node.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(AppliedVersions(), AllVersions());
}

TEST_F(PgSchemaTest, RefusesADatabaseFromANewerBinary) {
  ASSERT_TRUE(MigratePgSchema(*conn_).ok());
  const int64_t newer = LatestPgSchemaVersion() + 1;
  MustQuery("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())",
            {std::to_string(newer)});

  Status migrated = MigratePgSchema(*conn_);
  EXPECT_EQ(migrated.code(), StatusCode::kFailedPrecondition) << migrated.ToString();
  EXPECT_NE(migrated.message().find(fmt::format("schema version {}", newer)), std::string::npos)
      << migrated.message();
  EXPECT_NE(migrated.message().find(fmt::format("this binary's {}", LatestPgSchemaVersion())),
            std::string::npos)
      << migrated.message();

  auto store = PgAppStore::Open(db_.url(), clock_);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
  auto log = PgAuditLog::Open(db_.url(), clock_);
  EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition) << log.status().ToString();
  // Nothing was touched.
  EXPECT_EQ(AppliedVersions(), AllVersions() + "," + std::to_string(newer));
}

// Schema version 1 as the first release wrote it (apps, no audit log), with
// one app in it.
constexpr const char* kSchemaV1WithAnApp = R"sql(
CREATE TABLE schema_migrations (version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
INSERT INTO schema_migrations (version) VALUES (1);
CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  api_key_sha256 BYTEA NOT NULL UNIQUE CHECK (length(api_key_sha256) = 32),
  click_lookback_hours BIGINT NOT NULL,
  impression_lookback_hours BIGINT NOT NULL,
  probabilistic BOOLEAN NOT NULL,
  probabilistic_window_hours BIGINT NOT NULL,
  mta_lookback_days BIGINT NOT NULL,
  time_decay_half_life_hours DOUBLE PRECISION NOT NULL,
  retention_days BIGINT NOT NULL DEFAULT 400,
  demo BOOLEAN NOT NULL DEFAULT false,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX apps_by_creation ON apps (created_ms, seq);
INSERT INTO apps (id, name, platform, api_key_sha256, click_lookback_hours,
                  impression_lookback_hours, probabilistic, probabilistic_window_hours,
                  mta_lookback_days, time_decay_half_life_hours, retention_days, demo,
                  created_ms, updated_ms)
  VALUES ('app_00000000000000v1', 'Old', 'web', decode(repeat('ab', 32), 'hex'), 72, 12, false,
          6, 14, 48.0, 90, true, 1700000000000, 1700000000001);
)sql";

TEST_F(PgSchemaTest, MigratesADatabaseFromTheFirstRelease) {
  ASSERT_TRUE(
      conn_->Transact([](PgTransaction& txn) { return txn.ExecScript(kSchemaV1WithAnApp); }).ok());

  auto store = PgAppStore::Open(db_.url(), clock_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto app = (*store)->Get("app_00000000000000v1");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  EXPECT_EQ(app->name, "Old");
  EXPECT_EQ(app->platform, "web");
  EXPECT_EQ(app->settings.click_lookback_hours, 72);
  EXPECT_EQ(app->settings.impression_lookback_hours, 12);
  EXPECT_FALSE(app->settings.probabilistic);
  EXPECT_EQ(app->settings.probabilistic_window_hours, 6);
  EXPECT_EQ(app->settings.mta_lookback_days, 14);
  EXPECT_EQ(app->settings.time_decay_half_life_hours, 48.0);
  EXPECT_EQ(app->settings.retention_days, 90);
  EXPECT_EQ(app->created_ms, 1700000000000);
  EXPECT_EQ(app->updated_ms, 1700000000001);
  EXPECT_TRUE(app->demo);
  EXPECT_EQ(AppliedVersions(), AllVersions());

  // The tables added since work.
  auto log = PgAuditLog::Open(db_.url(), clock_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  AuditEntry entry;
  entry.actor = "admin";
  entry.action = "app.update";
  entry.app_id = app->id;
  ASSERT_TRUE((*log)->Append(entry).ok());
  EXPECT_EQ((*log)->List(app->id, 10, 0)->size(), 1u);
}

TEST_F(PgSchemaTest, TheDatabaseChecksWhatTheStoreChecks) {
  ASSERT_TRUE(MigratePgSchema(*conn_).ok());
  // A key hash of the wrong size is refused by the table itself.
  auto inserted = conn_->Exec(
      "INSERT INTO apps (id, name, platform, api_key_sha256, click_lookback_hours, "
      "impression_lookback_hours, probabilistic, probabilistic_window_hours, mta_lookback_days, "
      "time_decay_half_life_hours, created_ms, updated_ms) "
      "VALUES ('app_x', 'x', 'ios', '\\x00', 1, 1, true, 1, 1, 1, 0, 0)");
  EXPECT_EQ(inserted.status().code(), StatusCode::kFailedPrecondition)
      << inserted.status().ToString();
}

}  // namespace
}  // namespace unmogrowp
