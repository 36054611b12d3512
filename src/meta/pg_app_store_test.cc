#include "meta/pg_app_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "core/clock.h"
#include "meta/pg_scratch_database_for_test.h"

namespace unmogrowp {
namespace {

constexpr int64_t kT0 = 1'795'000'000'000;  // 2026-11-19

// How long a change on one node may take to reach another: the notification
// is normally there within milliseconds; a listener that lost its connection
// retries after PgListener::kRetryDelayMs.
constexpr auto kPropagationDeadline = std::chrono::seconds(10);

// Polls `done` until it holds or `deadline` passes; its last answer.
template <typename Done>
bool PollUntil(Done done, std::chrono::steady_clock::duration deadline = kPropagationDeadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// A loopback port nobody listens on: bound, read and released.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

// The app owning `key`, or the error as text (never a crash on an error).
std::string Owner(AppStore& store, std::string_view key) {
  auto id = store.AppIdForKey(key);
  return id.ok() ? *id : id.status().ToString();
}

// True when `store` turns `key` away as unknown (not for any other error).
bool Rejected(AppStore& store, std::string_view key) {
  return store.AppIdForKey(key).status().code() == StatusCode::kUnauthenticated;
}

class PgAppStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(db_.name().empty());
    Reopen();
  }

  void Reopen() {
    store_.reset();
    store_ = MustOpen();
  }

  // Another node on the same database.
  std::unique_ptr<PgAppStore> MustOpen() {
    auto opened = PgAppStore::Open(db_.url(), clock_);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  CreatedApp MustCreate(std::string name, std::string platform = "ios",
                        AppSettings settings = AppSettings(), bool demo = false) {
    auto created = store_->Create(std::move(name), std::move(platform), settings, demo);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? std::move(created).value() : CreatedApp();
  }

  // Terminates the scratch database's sessions named `application_name`
  // (waiting until they are gone); how many there were.
  int64_t TerminateSessions(const std::string& application_name) {
    auto rows = db_.admin().Exec(
        "WITH doomed AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = $1 "
        "AND application_name = $2) SELECT count(*) FROM doomed "
        "WHERE pg_terminate_backend(pid, 5000)",
        {db_.name(), application_name});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows->Int64(0, 0) : -1;
  }

  void AllowConnections(bool allow) {
    Status s = db_.admin()
                   .Exec(fmt::format("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}", db_.name(),
                                     allow ? "true" : "false"))
                   .status();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  PgScratchDatabase db_;
  ManualClock clock_{kT0};
  std::unique_ptr<PgAppStore> store_;
};

TEST_F(PgAppStoreTest, CreateThenGet) {
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

TEST_F(PgAppStoreTest, DoublesAndUnicodeRoundTripExactly) {
  AppSettings settings;
  settings.time_decay_half_life_hours = 0.1 + 0.2;  // Not a short decimal.
  CreatedApp created = MustCreate("Café \xF0\x9F\x9A\x80 \"quoted\" 'single'", "web", settings);
  Reopen();
  auto got = store_->Get(created.app.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, created.app);
  EXPECT_EQ(got->settings.time_decay_half_life_hours, 0.1 + 0.2);
}

TEST_F(PgAppStoreTest, DemoFlagRoundTrips) {
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

TEST_F(PgAppStoreTest, DeleteRemovesTheAppAndRejectsItsKeyAtOnce) {
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
  EXPECT_EQ(Owner(*store_, kept.api_key), kept.app.id);
  EXPECT_EQ(*store_->Get(kept.app.id), kept.app);

  // A second delete, or one of an id never used, is NotFound.
  EXPECT_EQ(store_->Delete(gone.app.id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete("app_0000000000000000").code(), StatusCode::kNotFound);

  // It stays deleted across a reopen (the key index is rebuilt from the database).
  Reopen();
  EXPECT_EQ(store_->Get(gone.app.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->AppIdForKey(gone.api_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Owner(*store_, kept.api_key), kept.app.id);
  EXPECT_EQ(store_->List()->size(), 1u);
}

TEST_F(PgAppStoreTest, DeleteAfterARotationRejectsTheNewKey) {
  CreatedApp created = MustCreate("x");
  auto rotated = store_->RotateKey(created.app.id);
  ASSERT_TRUE(rotated.ok());
  ASSERT_TRUE(store_->Delete(created.app.id).ok());
  EXPECT_EQ(store_->AppIdForKey(rotated->api_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store_->AppIdForKey(created.api_key).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(PgAppStoreTest, CreateValidates) {
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
  // PostgreSQL text cannot hold NUL: refused by field rather than cut short.
  Status nul = store_->Create(std::string("a\0b", 3), "ios", AppSettings(), false).status();
  EXPECT_EQ(nul.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nul.field(), "name");
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(PgAppStoreTest, GetUnknownIsNotFound) {
  EXPECT_EQ(store_->Get("app_0000000000000000").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Update("nope", "x", nullptr).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RotateKey("nope").status().code(), StatusCode::kNotFound);
  // An id that could not be ours is not echoed into the message.
  Status odd = store_->Get("\xff\n\"x").status();
  EXPECT_EQ(odd.code(), StatusCode::kNotFound);
  EXPECT_EQ(odd.message().find('\xff'), std::string::npos);
  EXPECT_EQ(store_->Delete("\xff").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Update(std::string("a\0", 2), std::nullopt, AppStore::ReplaceSettings({}))
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST_F(PgAppStoreTest, ListIsOldestFirst) {
  EXPECT_TRUE(store_->List()->empty());
  CreatedApp a = MustCreate("a");
  clock_.AdvanceMs(1);
  CreatedApp b = MustCreate("b", "web");
  CreatedApp c = MustCreate("c", "android");  // Same ms as b: insertion order.
  clock_.SetMs(kT0 - 5);
  CreatedApp d = MustCreate("d");  // A node whose clock is behind: by time.
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[0], d.app);
  EXPECT_EQ((*list)[1], a.app);
  EXPECT_EQ((*list)[2], b.app);
  EXPECT_EQ((*list)[3], c.app);
}

TEST_F(PgAppStoreTest, UpdateChangesOnlyWhatIsGiven) {
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
  EXPECT_EQ(Owner(*store_, created.api_key), created.app.id);
}

TEST_F(PgAppStoreTest, RetentionDaysRoundTripsThroughUpdate) {
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

TEST_F(PgAppStoreTest, UpdateValidates) {
  CreatedApp created = MustCreate("x");
  AppSettings bad;
  bad.time_decay_half_life_hours = 0;
  Status s = store_->Update(created.app.id, std::nullopt, AppStore::ReplaceSettings(bad)).status();
  EXPECT_EQ(s.field(), "settings.time_decay_half_life_hours");
  EXPECT_EQ(store_->Update(created.app.id, std::string(201, 'n'), nullptr).status().field(),
            "name");
  EXPECT_EQ(*store_->Get(created.app.id), created.app);
}

// Two PATCHes of different settings race; each edit reads the settings
// stored at that moment, so neither overwrites the other's change.
void RaceSettingEdits(AppStore& first, AppStore& second, const std::string& id) {
  constexpr int kRounds = 50;
  auto bump_click = [&] {
    for (int i = 0; i < kRounds; ++i) {
      auto updated = first.Update(id, std::nullopt, [](AppSettings& s) {
        s.click_lookback_hours -= 1;
        return Status::OK();
      });
      ASSERT_TRUE(updated.ok()) << updated.status().ToString();
    }
  };
  auto bump_impression = [&] {
    for (int i = 0; i < kRounds; ++i) {
      auto updated = second.Update(id, std::nullopt, [](AppSettings& s) {
        s.impression_lookback_hours += 1;
        return Status::OK();
      });
      ASSERT_TRUE(updated.ok()) << updated.status().ToString();
    }
  };
  std::thread a(bump_click);
  std::thread b(bump_impression);
  a.join();
  b.join();
  App app = *first.Get(id);
  EXPECT_EQ(app.settings.click_lookback_hours, AppSettings().click_lookback_hours - kRounds);
  EXPECT_EQ(app.settings.impression_lookback_hours,
            AppSettings().impression_lookback_hours + kRounds);
}

TEST_F(PgAppStoreTest, ConcurrentSettingEditsBothTakeEffect) {
  CreatedApp created = MustCreate("x");
  RaceSettingEdits(*store_, *store_, created.app.id);
}

TEST_F(PgAppStoreTest, ConcurrentSettingEditsOnTwoNodesBothTakeEffect) {
  // Two stores, two connections: only the row lock (SELECT ... FOR UPDATE)
  // keeps one node's read-modify-write from overwriting the other's.
  std::unique_ptr<PgAppStore> other = MustOpen();
  ASSERT_NE(other, nullptr);
  CreatedApp created = MustCreate("x");
  RaceSettingEdits(*store_, *other, created.app.id);
}

TEST_F(PgAppStoreTest, AFailingEditChangesNothing) {
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

TEST_F(PgAppStoreTest, RotateKeyRetiresTheOldKeyAtOnce) {
  CreatedApp created = MustCreate("x");
  CreatedApp other = MustCreate("y");
  clock_.AdvanceMs(5);
  auto rotated = store_->RotateKey(created.app.id);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_NE(rotated->api_key, created.api_key);
  EXPECT_EQ(rotated->app.id, created.app.id);
  EXPECT_EQ(rotated->app.updated_ms, kT0 + 5);
  EXPECT_EQ(*store_->Get(created.app.id), rotated->app);

  Status old_key = store_->AppIdForKey(created.api_key).status();
  EXPECT_EQ(old_key.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(old_key.reason(), "unauthorized");
  EXPECT_EQ(Owner(*store_, rotated->api_key), created.app.id);
  EXPECT_EQ(Owner(*store_, other.api_key), other.app.id);
}

TEST_F(PgAppStoreTest, UnknownKeysAreUnauthenticated) {
  MustCreate("x");
  EXPECT_EQ(store_->AppIdForKey("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store_->AppIdForKey("umk_nope").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store_->AppIdForKey("umk_" + std::string(64, 'a')).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(PgAppStoreTest, ReopenKeepsEverything) {
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
  EXPECT_EQ(Owner(*store_, a.api_key), a.app.id);
  EXPECT_EQ(Owner(*store_, b_rotated.api_key), b.app.id);
  EXPECT_EQ(store_->AppIdForKey(b.api_key).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(PgAppStoreTest, KeysAreNotStoredInPlainText) {
  CreatedApp a = MustCreate("a");
  CreatedApp b = MustCreate("b");
  CreatedApp b2 = *store_->RotateKey(b.app.id);
  const std::vector<std::string> keys = {a.api_key, b.api_key, b2.api_key};

  // Every row of every table, as text.
  auto conn = PgConnection::Open(db_.url());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto tables = (*conn)->Exec(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  std::vector<std::string> names;
  for (size_t i = 0; i < tables->size(); ++i) names.push_back(tables->Text(i, 0));
  EXPECT_NE(std::find(names.begin(), names.end(), "apps"), names.end());
  size_t rows_seen = 0;
  for (const std::string& table : names) {
    auto rows = (*conn)->Exec(fmt::format("SELECT t::text FROM \"{}\" t", table));
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    for (size_t i = 0; i < rows->size(); ++i) {
      ++rows_seen;
      for (const std::string& key : keys) {
        EXPECT_EQ(rows->Text(i, 0).find(key.substr(4)), std::string::npos) << table;
      }
    }
  }
  EXPECT_GT(rows_seen, 0u);
}

TEST_F(PgAppStoreTest, KeyLookupsRunAlongsideWrites) {
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
    EXPECT_EQ(Owner(*store_, churn.api_key), churn.app.id);
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(PgAppStoreTest, AKeyCreatedOnAnotherNodeWorksAtOnce) {
  std::unique_ptr<PgAppStore> other = MustOpen();
  ASSERT_NE(other, nullptr);
  CreatedApp created = MustCreate("x");
  EXPECT_EQ(Owner(*other, created.api_key), created.app.id);
  EXPECT_EQ(*other->Get(created.app.id), created.app);
  // And so does a key rotated in there.
  auto rotated = store_->RotateKey(created.app.id);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(Owner(*other, rotated->api_key), created.app.id);
}

TEST_F(PgAppStoreTest, AKeyRotatedOnAnotherNodeIsRejectedThereSoon) {
  std::unique_ptr<PgAppStore> other = MustOpen();
  ASSERT_NE(other, nullptr);
  CreatedApp created = MustCreate("x");
  CreatedApp bystander = MustCreate("y");
  // The other node has both keys in its index now.
  ASSERT_EQ(Owner(*other, created.api_key), created.app.id);
  ASSERT_EQ(Owner(*other, bystander.api_key), bystander.app.id);

  auto rotated = store_->RotateKey(created.app.id);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(Owner(*other, rotated->api_key), created.app.id);
  EXPECT_TRUE(PollUntil([&] { return Rejected(*other, created.api_key); }));
  EXPECT_EQ(other->AppIdForKey(created.api_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Owner(*other, rotated->api_key), created.app.id);
  EXPECT_EQ(Owner(*other, bystander.api_key), bystander.app.id);

  // The other way round too.
  auto back = other->RotateKey(created.app.id);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(PollUntil([&] { return Rejected(*store_, rotated->api_key); }));
  EXPECT_EQ(Owner(*store_, back->api_key), created.app.id);
}

TEST_F(PgAppStoreTest, AKeyDeletedOnAnotherNodeIsRejectedThereSoon) {
  std::unique_ptr<PgAppStore> other = MustOpen();
  ASSERT_NE(other, nullptr);
  CreatedApp created = MustCreate("x");
  ASSERT_EQ(Owner(*other, created.api_key), created.app.id);
  ASSERT_TRUE(store_->Delete(created.app.id).ok());
  EXPECT_TRUE(PollUntil([&] { return Rejected(*other, created.api_key); }));
  EXPECT_EQ(other->AppIdForKey(created.api_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(other->Get(created.app.id).status().code(), StatusCode::kNotFound);
}

TEST_F(PgAppStoreTest, RevocationsMissedWhileTheListenerWasAwayAreReloaded) {
  std::unique_ptr<PgAppStore> other = MustOpen();
  ASSERT_NE(other, nullptr);
  CreatedApp created = MustCreate("x");
  CreatedApp deleted = MustCreate("y");
  ASSERT_EQ(Owner(*other, created.api_key), created.app.id);
  ASSERT_EQ(Owner(*other, deleted.api_key), deleted.app.id);

  // Cut both nodes' listeners off and keep them off; their command
  // connections stay up.
  AllowConnections(false);
  EXPECT_EQ(TerminateSessions("unmogrowp-listener"), 2);
  auto rotated = store_->RotateKey(created.app.id);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  ASSERT_TRUE(store_->Delete(deleted.app.id).ok());
  // Nobody heard: the other node still takes the old keys (the documented
  // window), while the node that made the changes does not.
  EXPECT_EQ(Owner(*other, created.api_key), created.app.id);
  EXPECT_EQ(Owner(*other, deleted.api_key), deleted.app.id);
  EXPECT_TRUE(Rejected(*store_, created.api_key));

  // Once the listener is back it reloads the index.
  AllowConnections(true);
  EXPECT_TRUE(PollUntil(
      [&] { return Rejected(*other, created.api_key) && Rejected(*other, deleted.api_key); }));
  EXPECT_EQ(Owner(*other, rotated->api_key), created.app.id);

  // And listens again.
  auto again = store_->RotateKey(created.app.id);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(PollUntil([&] { return Rejected(*other, rotated->api_key); }));
}

TEST_F(PgAppStoreTest, SurvivesTheServerDroppingItsConnections) {
  CreatedApp created = MustCreate("x");
  EXPECT_EQ(TerminateSessions("unmogrowp"), 1);
  auto list = store_->List();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(*list, std::vector<App>{created.app});
  EXPECT_EQ(TerminateSessions("unmogrowp"), 1);
  auto updated = store_->Update(created.app.id, "renamed", nullptr);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(store_->Get(created.app.id)->name, "renamed");
}

TEST_F(PgAppStoreTest, AnUnreachableServerIsUnavailable) {
  const int port = FreePort();
  const std::string url = fmt::format("postgresql://meta:s3cret@127.0.0.1:{}/meta", port);
  auto opened = PgAppStore::Open(url, clock_);
  ASSERT_FALSE(opened.ok());
  const Status& s = opened.status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find(fmt::format("127.0.0.1:{}", port)), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("cannot connect"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("refused"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("s3cret"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace unmogrowp
