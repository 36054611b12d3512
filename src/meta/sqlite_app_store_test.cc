#include "meta/sqlite_app_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "meta/app_store_conformance_test.h"
#include "meta/sqlite_meta_backend_for_test.h"
#include "meta/sqlite_schema.h"

namespace unmogrowp {

INSTANTIATE_TYPED_TEST_SUITE_P(SqliteAppStoreTest, AppStoreConformanceTest, SqliteMetaBackend);

namespace {

// What only the SQLite backend has: its file, its schema and its migrations.
class SqliteAppStoreTest : public AppStoreConformanceTest<SqliteMetaBackend> {
 protected:
  std::string path() const { return backend_.path(); }
};

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_F(SqliteAppStoreTest, KeysAreNotStoredInPlainText) {
  CreatedApp a = MustCreate("a");
  CreatedApp b = MustCreate("b");
  CreatedApp b2 = *store_->RotateKey(b.app.id);
  const std::vector<std::string> keys = {a.api_key, b.api_key, b2.api_key};

  // Every column of every row of every table, through SQLite.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> tables;
  {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1,
                                 &stmt, nullptr),
              SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
    sqlite3_finalize(stmt);
  }
  EXPECT_NE(std::find(tables.begin(), tables.end(), "apps"), tables.end());
  int cells = 0;
  for (const std::string& table : tables) {
    sqlite3_stmt* stmt = nullptr;
    std::string sql = "SELECT * FROM \"" + table + "\"";
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const void* blob = sqlite3_column_blob(stmt, i);
        std::string cell(static_cast<const char*>(blob),
                         blob ? static_cast<size_t>(sqlite3_column_bytes(stmt, i)) : 0);
        ++cells;
        for (const std::string& key : keys) {
          EXPECT_EQ(cell.find(key.substr(4)), std::string::npos) << table << " column " << i;
        }
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  EXPECT_GT(cells, 0);

  // And the raw bytes of the database and its write-ahead log.
  for (const std::string& file : {path(), path() + "-wal"}) {
    std::string bytes = ReadFileBytes(file);
    for (const std::string& key : keys) {
      EXPECT_EQ(bytes.find(key.substr(4)), std::string::npos) << file;
    }
  }
}

TEST_F(SqliteAppStoreTest, UsesWalAndRecordsTheSchemaVersion) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), LatestSqliteSchemaVersion());
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

// Schema version 1 as the first release wrote it, with one app in it.
constexpr const char* kSchemaV1WithAnApp = R"sql(
CREATE TABLE schema_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL) STRICT;
INSERT INTO schema_version (id, version) VALUES (1, 1);
CREATE TABLE apps (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  api_key_sha256 BLOB NOT NULL UNIQUE,
  click_lookback_hours INTEGER NOT NULL,
  impression_lookback_hours INTEGER NOT NULL,
  probabilistic INTEGER NOT NULL,
  probabilistic_window_hours INTEGER NOT NULL,
  mta_lookback_days INTEGER NOT NULL,
  time_decay_half_life_hours REAL NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) STRICT;
INSERT INTO apps VALUES ('app_00000000000000v1', 'Old', 'web', zeroblob(32), 72, 12, 0, 6, 14,
                         48.0, 1700000000000, 1700000000001);
)sql";

TEST_F(SqliteAppStoreTest, MigratesADatabaseFromTheFirstRelease) {
  store_.reset();
  std::string old_path = backend_.File("v1.sqlite");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(old_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, kSchemaV1WithAnApp, nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  auto opened = SqliteAppStore::Open(old_path, clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(opened).value();
  auto app = store_->Get("app_00000000000000v1");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  EXPECT_EQ(app->name, "Old");
  EXPECT_EQ(app->platform, "web");
  EXPECT_EQ(app->settings.click_lookback_hours, 72);
  EXPECT_EQ(app->settings.impression_lookback_hours, 12);
  EXPECT_FALSE(app->settings.probabilistic);
  EXPECT_EQ(app->settings.probabilistic_window_hours, 6);
  EXPECT_EQ(app->settings.mta_lookback_days, 14);
  EXPECT_EQ(app->settings.time_decay_half_life_hours, 48.0);
  EXPECT_EQ(app->settings.retention_days, 400);
  EXPECT_EQ(app->created_ms, 1700000000000);
  EXPECT_EQ(app->updated_ms, 1700000000001);
  EXPECT_FALSE(app->demo);

  // The migrated row takes a new value like any other.
  AppSettings settings = app->settings;
  settings.retention_days = 90;
  ASSERT_TRUE(store_->Update(app->id, std::nullopt, AppStore::ReplaceSettings(settings)).ok());
  store_.reset();
  opened = SqliteAppStore::Open(old_path, clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(opened).value();
  EXPECT_EQ(store_->Get("app_00000000000000v1")->settings.retention_days, 90);

  ASSERT_EQ(sqlite3_open_v2(old_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), LatestSqliteSchemaVersion());
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

// Schema version 3 (apps with retention_days, the audit log; no demo flag),
// with one app and one audit entry in it.
constexpr const char* kSchemaV3WithAnApp = R"sql(
CREATE TABLE schema_version (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL) STRICT;
INSERT INTO schema_version (id, version) VALUES (1, 3);
CREATE TABLE apps (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  api_key_sha256 BLOB NOT NULL UNIQUE,
  click_lookback_hours INTEGER NOT NULL,
  impression_lookback_hours INTEGER NOT NULL,
  probabilistic INTEGER NOT NULL,
  probabilistic_window_hours INTEGER NOT NULL,
  mta_lookback_days INTEGER NOT NULL,
  time_decay_half_life_hours REAL NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  retention_days INTEGER NOT NULL DEFAULT 400
) STRICT;
INSERT INTO apps VALUES ('app_00000000000000v3', 'Three', 'ios', zeroblob(32), 72, 12, 1, 6, 14,
                         48.0, 1700000000000, 1700000000001, 90);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  app_id TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_by_app ON audit_log (app_id, id);
INSERT INTO audit_log (at_ms, actor, action, app_id, target, detail)
  VALUES (1700000000002, 'admin', 'device.erase', 'app_00000000000000v3', 'x', '');
)sql";

int64_t CountRows(const std::string& path, const char* table) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    std::string sql = std::string("SELECT count(*) FROM ") + table;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return n;
}

TEST_F(SqliteAppStoreTest, MigratesADatabaseWithoutTheDemoFlag) {
  store_.reset();
  std::string old_path = backend_.File("v3.sqlite");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(old_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, kSchemaV3WithAnApp, nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  auto opened = SqliteAppStore::Open(old_path, clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(opened).value();
  auto app = store_->Get("app_00000000000000v3");
  ASSERT_TRUE(app.ok()) << app.status().ToString();
  EXPECT_EQ(app->name, "Three");
  EXPECT_EQ(app->settings.retention_days, 90);
  EXPECT_FALSE(app->demo);
  EXPECT_EQ(CountRows(old_path, "audit_log"), 1);

  // New apps beside it take either value, and the old one can be deleted.
  CreatedApp demo = MustCreate("demo", "web", AppSettings(), /*demo=*/true);
  ASSERT_TRUE(store_->Delete("app_00000000000000v3").ok());
  store_.reset();
  opened = SqliteAppStore::Open(old_path, clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(opened).value();
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0], demo.app);
  EXPECT_EQ(CountRows(old_path, "audit_log"), 1);  // the log outlives the app

  // The column refuses anything but 0 and 1.
  store_.reset();
  ASSERT_EQ(sqlite3_open(old_path.c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE apps SET demo = 2", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), LatestSqliteSchemaVersion());
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteAppStoreTest, RefusesADatabaseFromANewerBinary) {
  MustCreate("a");
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 999", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto opened = SqliteAppStore::Open(path(), clock_);
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(SqliteAppStoreTest, NotADatabaseIsAnError) {
  store_.reset();
  std::string bogus = backend_.File("bogus.sqlite");
  std::ofstream(bogus) << std::string(4096, 'x');
  auto opened = SqliteAppStore::Open(bogus, clock_);
  EXPECT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kCorruption) << opened.status().ToString();
}

}  // namespace
}  // namespace unmogrowp
