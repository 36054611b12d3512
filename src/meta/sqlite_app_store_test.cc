#include "meta/sqlite_app_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include "core/clock.h"
#include "core/scoped_temp_dir_for_test.h"
#include "meta/sqlite_schema.h"

namespace unmogrowp {
namespace {

constexpr int64_t kT0 = 1'795'000'000'000;  // 2026-11-19

class SqliteAppStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    auto opened = SqliteAppStore::Open(path(), clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  std::string path() const { return dir_.File("meta.sqlite"); }

  CreatedApp MustCreate(std::string name, std::string platform = "ios",
                        AppSettings settings = AppSettings(), bool demo = false) {
    auto created = store_->Create(std::move(name), std::move(platform), settings, demo);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? std::move(created).value() : CreatedApp();
  }

  ScopedTempDir dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<SqliteAppStore> store_;
};

TEST_F(SqliteAppStoreTest, CreateThenGet) {
  AppSettings settings;
  settings.click_lookback_hours = 72;
  settings.time_decay_half_life_hours = 12.5;
  settings.retention_days = 3650;
  CreatedApp created = MustCreate("Acme", "android", settings);
  EXPECT_TRUE(created.app.id.starts_with("app_"));
  EXPECT_TRUE(created.api_key.starts_with("umk_"));
  EXPECT_EQ(created.app.name, "Acme");
  EXPECT_EQ(created.app.platform, "android");
  EXPECT_EQ(created.app.settings, settings);
  EXPECT_EQ(created.app.created_ms, kT0);
  EXPECT_EQ(created.app.updated_ms, kT0);

  auto got = store_->Get(created.app.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, created.app);

  auto owner = store_->AppIdForKey(created.api_key);
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(*owner, created.app.id);
}

TEST_F(SqliteAppStoreTest, DemoFlagRoundTrips) {
  CreatedApp plain = MustCreate("plain");
  CreatedApp demo = MustCreate("demo", "web", AppSettings(), /*demo=*/true);
  EXPECT_FALSE(plain.app.demo);
  EXPECT_TRUE(demo.app.demo);
  EXPECT_TRUE(store_->Get(demo.app.id)->demo);
  EXPECT_FALSE(store_->Get(plain.app.id)->demo);

  // Updates and key rotations keep it.
  clock_.AdvanceMs(1);
  auto renamed = store_->Update(demo.app.id, "demo 2", nullptr);
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_TRUE(renamed->demo);
  auto rotated = store_->RotateKey(demo.app.id);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_TRUE(rotated->app.demo);

  Reopen();
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_FALSE((*list)[0].demo);
  EXPECT_TRUE((*list)[1].demo);
  EXPECT_EQ((*list)[1].name, "demo 2");
}

TEST_F(SqliteAppStoreTest, DeleteRemovesTheAppAndRejectsItsKeyAtOnce) {
  CreatedApp gone = MustCreate("gone");
  CreatedApp kept = MustCreate("kept", "android");
  ASSERT_TRUE(store_->Delete(gone.app.id).ok());

  EXPECT_EQ(store_->Get(gone.app.id).status().code(), StatusCode::kNotFound);
  Status key = store_->AppIdForKey(gone.api_key).status();
  EXPECT_EQ(key.code(), StatusCode::kUnauthenticated);
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, std::vector<App>{kept.app});
  EXPECT_EQ(store_->Update(gone.app.id, "x", nullptr).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RotateKey(gone.app.id).status().code(), StatusCode::kNotFound);
  // The other app is untouched.
  EXPECT_EQ(*store_->AppIdForKey(kept.api_key), kept.app.id);
  EXPECT_EQ(*store_->Get(kept.app.id), kept.app);

  // A second delete, or one of an id never used, is NotFound.
  EXPECT_EQ(store_->Delete(gone.app.id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete("app_0000000000000000").code(), StatusCode::kNotFound);

  // It stays deleted across a reopen (the key index is rebuilt from the file).
  Reopen();
  EXPECT_EQ(store_->Get(gone.app.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->AppIdForKey(gone.api_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(*store_->AppIdForKey(kept.api_key), kept.app.id);
  EXPECT_EQ(store_->List()->size(), 1u);
}

TEST_F(SqliteAppStoreTest, DeleteAfterARotationRejectsTheNewKey) {
  CreatedApp created = MustCreate("x");
  auto rotated = store_->RotateKey(created.app.id);
  ASSERT_TRUE(rotated.ok());
  ASSERT_TRUE(store_->Delete(created.app.id).ok());
  EXPECT_EQ(store_->AppIdForKey(rotated->api_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store_->AppIdForKey(created.api_key).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(SqliteAppStoreTest, CreateValidates) {
  EXPECT_EQ(store_->Create("", "ios", AppSettings(), false).status().field(), "name");
  EXPECT_EQ(store_->Create("a", "symbian", AppSettings(), false).status().field(), "platform");
  AppSettings bad;
  bad.impression_lookback_hours = -1;
  Status s = store_->Create("a", "ios", bad, false).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "settings.impression_lookback_hours");
  AppSettings no_retention;
  no_retention.retention_days = 0;
  EXPECT_EQ(store_->Create("a", "ios", no_retention, false).status().field(),
            "settings.retention_days");
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(SqliteAppStoreTest, GetUnknownIsNotFound) {
  EXPECT_EQ(store_->Get("app_0000000000000000").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Update("nope", "x", nullptr).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RotateKey("nope").status().code(), StatusCode::kNotFound);
  // An id that could not be ours is not echoed into the message.
  Status odd = store_->Get("\xff\n\"x").status();
  EXPECT_EQ(odd.code(), StatusCode::kNotFound);
  EXPECT_EQ(odd.message().find('\xff'), std::string::npos);
}

TEST_F(SqliteAppStoreTest, ListIsOldestFirst) {
  EXPECT_TRUE(store_->List()->empty());
  CreatedApp a = MustCreate("a");
  clock_.AdvanceMs(1);
  CreatedApp b = MustCreate("b", "web");
  CreatedApp c = MustCreate("c", "android");  // Same ms as b: insertion order.
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0], a.app);
  EXPECT_EQ((*list)[1], b.app);
  EXPECT_EQ((*list)[2], c.app);
}

TEST_F(SqliteAppStoreTest, UpdateChangesOnlyWhatIsGiven) {
  CreatedApp created = MustCreate("before");
  clock_.AdvanceMs(1000);

  auto renamed = store_->Update(created.app.id, "after", nullptr);
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(renamed->name, "after");
  EXPECT_EQ(renamed->settings, AppSettings());
  EXPECT_EQ(renamed->created_ms, kT0);
  EXPECT_EQ(renamed->updated_ms, kT0 + 1000);

  AppSettings settings;
  settings.probabilistic = false;
  settings.mta_lookback_days = 7;
  clock_.AdvanceMs(1000);
  auto updated = store_->Update(created.app.id, std::nullopt, AppStore::ReplaceSettings(settings));
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->name, "after");
  EXPECT_EQ(updated->settings, settings);
  EXPECT_EQ(updated->updated_ms, kT0 + 2000);
  EXPECT_EQ(*store_->Get(created.app.id), *updated);

  clock_.AdvanceMs(1000);
  auto unchanged = store_->Update(created.app.id, std::nullopt, nullptr);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(*unchanged, *updated);

  // The key survives updates.
  EXPECT_EQ(*store_->AppIdForKey(created.api_key), created.app.id);
}

TEST_F(SqliteAppStoreTest, RetentionDaysRoundTripsThroughUpdate) {
  CreatedApp created = MustCreate("x");
  EXPECT_EQ(created.app.settings.retention_days, 400);
  auto set_retention = [](int64_t days) {
    return [days](AppSettings& s) {
      s.retention_days = days;
      return Status::OK();
    };
  };
  for (int64_t days : {1, 3650, 30}) {
    auto updated = store_->Update(created.app.id, std::nullopt, set_retention(days));
    ASSERT_TRUE(updated.ok()) << days << ": " << updated.status().ToString();
    EXPECT_EQ(updated->settings.retention_days, days);
    EXPECT_EQ(store_->Get(created.app.id)->settings.retention_days, days);
  }
  for (int64_t days : {0, 3651}) {
    Status s = store_->Update(created.app.id, std::nullopt, set_retention(days)).status();
    EXPECT_EQ(s.field(), "settings.retention_days") << days;
  }
  Reopen();
  App app = *store_->Get(created.app.id);
  EXPECT_EQ(app.settings.retention_days, 30);
  AppSettings want;
  want.retention_days = 30;
  EXPECT_EQ(app.settings, want);
}

TEST_F(SqliteAppStoreTest, UpdateValidates) {
  CreatedApp created = MustCreate("x");
  AppSettings bad;
  bad.time_decay_half_life_hours = 0;
  Status s = store_->Update(created.app.id, std::nullopt, AppStore::ReplaceSettings(bad)).status();
  EXPECT_EQ(s.field(), "settings.time_decay_half_life_hours");
  EXPECT_EQ(store_->Update(created.app.id, std::string(201, 'n'), nullptr).status().field(),
            "name");
  EXPECT_EQ(*store_->Get(created.app.id), created.app);
}

TEST_F(SqliteAppStoreTest, ConcurrentSettingEditsBothTakeEffect) {
  // Two PATCHes of different settings race; each edit reads the settings
  // stored at that moment, so neither overwrites the other's change.
  CreatedApp created = MustCreate("x");
  constexpr int kRounds = 50;
  auto bump_click = [&] {
    for (int i = 0; i < kRounds; ++i) {
      ASSERT_TRUE(store_
                      ->Update(created.app.id, std::nullopt,
                               [](AppSettings& s) {
                                 s.click_lookback_hours -= 1;
                                 return Status::OK();
                               })
                      .ok());
    }
  };
  auto bump_mta = [&] {
    for (int i = 0; i < kRounds; ++i) {
      ASSERT_TRUE(store_
                      ->Update(created.app.id, std::nullopt,
                               [](AppSettings& s) {
                                 s.impression_lookback_hours += 1;
                                 return Status::OK();
                               })
                      .ok());
    }
  };
  std::thread a(bump_click);
  std::thread b(bump_mta);
  a.join();
  b.join();
  App app = *store_->Get(created.app.id);
  EXPECT_EQ(app.settings.click_lookback_hours, AppSettings().click_lookback_hours - kRounds);
  EXPECT_EQ(app.settings.impression_lookback_hours,
            AppSettings().impression_lookback_hours + kRounds);
}

TEST_F(SqliteAppStoreTest, AFailingEditChangesNothing) {
  CreatedApp created = MustCreate("x");
  Status s = store_
                 ->Update(created.app.id, "renamed",
                          [](AppSettings& settings) {
                            settings.probabilistic = false;
                            return Status::InvalidArgument("settings.x", "bad");
                          })
                 .status();
  EXPECT_EQ(s.field(), "settings.x");
  EXPECT_EQ(*store_->Get(created.app.id), created.app);
}

TEST_F(SqliteAppStoreTest, RotateKeyRetiresTheOldKeyAtOnce) {
  CreatedApp created = MustCreate("x");
  CreatedApp other = MustCreate("y");
  clock_.AdvanceMs(5);
  auto rotated = store_->RotateKey(created.app.id);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_NE(rotated->api_key, created.api_key);
  EXPECT_EQ(rotated->app.id, created.app.id);
  EXPECT_EQ(rotated->app.updated_ms, kT0 + 5);

  Status old_key = store_->AppIdForKey(created.api_key).status();
  EXPECT_EQ(old_key.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(old_key.reason(), "unauthorized");
  EXPECT_EQ(*store_->AppIdForKey(rotated->api_key), created.app.id);
  EXPECT_EQ(*store_->AppIdForKey(other.api_key), other.app.id);
}

TEST_F(SqliteAppStoreTest, UnknownKeysAreUnauthenticated) {
  MustCreate("x");
  EXPECT_EQ(store_->AppIdForKey("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store_->AppIdForKey("umk_nope").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store_->AppIdForKey("umk_" + std::string(64, 'a')).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(SqliteAppStoreTest, ReopenKeepsEverything) {
  CreatedApp a = MustCreate("a", "web");
  CreatedApp b = MustCreate("b", "android");
  AppSettings settings;
  settings.probabilistic_window_hours = 0;
  settings.time_decay_half_life_hours = 0.25;
  settings.retention_days = 1;
  clock_.AdvanceMs(10);
  App a_updated = *store_->Update(a.app.id, "a2", AppStore::ReplaceSettings(settings));
  CreatedApp b_rotated = *store_->RotateKey(b.app.id);

  Reopen();
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0], a_updated);
  EXPECT_EQ((*list)[1], b_rotated.app);
  EXPECT_EQ(*store_->AppIdForKey(a.api_key), a.app.id);
  EXPECT_EQ(*store_->AppIdForKey(b_rotated.api_key), b.app.id);
  EXPECT_EQ(store_->AppIdForKey(b.api_key).status().code(), StatusCode::kUnauthenticated);
}

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
  std::string old_path = dir_.File("v1.sqlite");
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
  std::string old_path = dir_.File("v3.sqlite");
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
  std::string bogus = dir_.File("bogus.sqlite");
  std::ofstream(bogus) << std::string(4096, 'x');
  auto opened = SqliteAppStore::Open(bogus, clock_);
  EXPECT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kCorruption) << opened.status().ToString();
}

TEST_F(SqliteAppStoreTest, KeyLookupsRunAlongsideWrites) {
  CreatedApp stable = MustCreate("stable");
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto id = store_->AppIdForKey(stable.api_key);
      if (!id.ok() || *id != stable.app.id) failures.fetch_add(1);
    }
  });
  CreatedApp churn = MustCreate("churn");
  for (int i = 0; i < 50; ++i) {
    auto rotated = store_->RotateKey(churn.app.id);
    ASSERT_TRUE(rotated.ok());
    EXPECT_EQ(store_->AppIdForKey(churn.api_key).status().code(), StatusCode::kUnauthenticated);
    churn = std::move(rotated).value();
    EXPECT_EQ(*store_->AppIdForKey(churn.api_key), churn.app.id);
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace unmogrowp
