#pragma once

// The behaviour every AppStore backend shares (app_store.h), written once as
// a typed GoogleTest suite. A backend's test file instantiates it, named
// after the backend (ctest lists SqliteAppStoreTest.CreateThenGet<...>):
//
//   INSTANTIATE_TYPED_TEST_SUITE_P(SqliteAppStoreTest, AppStoreConformanceTest, SqliteMetaBackend);
//
// and keeps only what is specific to that backend, usually as TEST_Fs on a
// subclass of AppStoreConformanceTest<ItsBackend>. A Backend is
// default-constructible, owns fresh empty storage for one test and has
//   bool ready() const;  // false: the storage could not be made
//   Result<std::unique_ptr<S>> OpenAppStore(const Clock&) const;  // S: an AppStore
// where each OpenAppStore call is another handle on the same storage (a
// reopen; for a shared database, another node). Tests run on one thread but
// the ones that race calls on purpose.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "meta/app_store.h"

namespace unmogrowp {

// The app owning `key`, or the error as text (never a crash on an error).
inline std::string Owner(AppStore& store, std::string_view key) {
  auto id = store.AppIdForKey(key);
  return id.ok() ? *id : id.status().ToString();
}

// Two PATCHes of different settings race, one through `first` and one
// through `second` (the same store or two); each edit reads the settings
// stored at that moment, so neither overwrites the other's change.
inline void RaceSettingEdits(AppStore& first, AppStore& second, const std::string& id) {
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

template <typename Backend>
class AppStoreConformanceTest : public ::testing::Test {
 protected:
  static constexpr int64_t kT0 = 1'795'000'000'000;  // 2026-11-19

  void SetUp() override {
    ASSERT_TRUE(backend_.ready());
    Reopen();
  }

  void Reopen() {
    store_.reset();
    store_ = MustOpen();
    ASSERT_NE(store_, nullptr);
  }

  // Another handle on the same storage (for a shared database, another node).
  std::unique_ptr<AppStore> MustOpen() {
    auto opened = backend_.OpenAppStore(clock_);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return nullptr;
    return std::move(opened).value();
  }

  CreatedApp MustCreate(std::string name, std::string platform = "ios",
                        AppSettings settings = AppSettings(), bool demo = false) {
    auto created = store_->Create(std::move(name), std::move(platform), settings, demo);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? std::move(created).value() : CreatedApp();
  }

  Backend backend_;  // First: outlives every store on it.
  ManualClock clock_{kT0};
  std::unique_ptr<AppStore> store_;
};

TYPED_TEST_SUITE_P(AppStoreConformanceTest);

TYPED_TEST_P(AppStoreConformanceTest, CreateThenGet) {
  AppSettings settings;
  settings.click_lookback_hours = 72;
  settings.time_decay_half_life_hours = 12.5;
  settings.retention_days = 3650;
  CreatedApp created = this->MustCreate("Acme", "android", settings);
  EXPECT_TRUE(created.app.id.starts_with("app_"));
  EXPECT_TRUE(created.api_key.starts_with("umk_"));
  EXPECT_EQ(created.app.name, "Acme");
  EXPECT_EQ(created.app.platform, "android");
  EXPECT_EQ(created.app.settings, settings);
  EXPECT_EQ(created.app.created_ms, TestFixture::kT0);
  EXPECT_EQ(created.app.updated_ms, TestFixture::kT0);

  auto got = this->store_->Get(created.app.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, created.app);

  auto owner = this->store_->AppIdForKey(created.api_key);
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(*owner, created.app.id);
}

TYPED_TEST_P(AppStoreConformanceTest, DoublesAndUnicodeRoundTripExactly) {
  AppSettings settings;
  settings.time_decay_half_life_hours = 0.1 + 0.2;  // Not a short decimal.
  CreatedApp created =
      this->MustCreate("Café \xF0\x9F\x9A\x80 \"quoted\" 'single'", "web", settings);
  this->Reopen();
  auto got = this->store_->Get(created.app.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, created.app);
  EXPECT_EQ(got->settings.time_decay_half_life_hours, 0.1 + 0.2);
}

TYPED_TEST_P(AppStoreConformanceTest, DemoFlagRoundTrips) {
  AppStore& store = *this->store_;
  CreatedApp plain = this->MustCreate("plain");
  CreatedApp demo = this->MustCreate("demo", "web", AppSettings(), /*demo=*/true);
  EXPECT_FALSE(plain.app.demo);
  EXPECT_TRUE(demo.app.demo);
  EXPECT_TRUE(store.Get(demo.app.id)->demo);
  EXPECT_FALSE(store.Get(plain.app.id)->demo);

  // Updates and key rotations keep it.
  this->clock_.AdvanceMs(1);
  auto renamed = store.Update(demo.app.id, "demo 2", nullptr);
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_TRUE(renamed->demo);
  auto rotated = store.RotateKey(demo.app.id);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_TRUE(rotated->app.demo);

  this->Reopen();
  auto list = this->store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_FALSE((*list)[0].demo);
  EXPECT_TRUE((*list)[1].demo);
  EXPECT_EQ((*list)[1].name, "demo 2");
}

TYPED_TEST_P(AppStoreConformanceTest, DeleteRemovesTheAppAndRejectsItsKeyAtOnce) {
  CreatedApp gone = this->MustCreate("gone");
  CreatedApp kept = this->MustCreate("kept", "android");
  {
    AppStore& store = *this->store_;
    ASSERT_TRUE(store.Delete(gone.app.id).ok());

    EXPECT_EQ(store.Get(gone.app.id).status().code(), StatusCode::kNotFound);
    Status key = store.AppIdForKey(gone.api_key).status();
    EXPECT_EQ(key.code(), StatusCode::kUnauthenticated);
    auto list = store.List();
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(*list, std::vector<App>{kept.app});
    EXPECT_EQ(store.Update(gone.app.id, "x", nullptr).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(store.RotateKey(gone.app.id).status().code(), StatusCode::kNotFound);
    // The other app is untouched.
    EXPECT_EQ(Owner(store, kept.api_key), kept.app.id);
    EXPECT_EQ(*store.Get(kept.app.id), kept.app);

    // A second delete, or one of an id never used, is NotFound.
    EXPECT_EQ(store.Delete(gone.app.id).code(), StatusCode::kNotFound);
    EXPECT_EQ(store.Delete("app_0000000000000000").code(), StatusCode::kNotFound);
  }

  // It stays deleted across a reopen (the key index is rebuilt from storage).
  this->Reopen();
  AppStore& store = *this->store_;
  EXPECT_EQ(store.Get(gone.app.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.AppIdForKey(gone.api_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Owner(store, kept.api_key), kept.app.id);
  EXPECT_EQ(store.List()->size(), 1u);
}

TYPED_TEST_P(AppStoreConformanceTest, DeleteAfterARotationRejectsTheNewKey) {
  AppStore& store = *this->store_;
  CreatedApp created = this->MustCreate("x");
  auto rotated = store.RotateKey(created.app.id);
  ASSERT_TRUE(rotated.ok());
  ASSERT_TRUE(store.Delete(created.app.id).ok());
  EXPECT_EQ(store.AppIdForKey(rotated->api_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store.AppIdForKey(created.api_key).status().code(), StatusCode::kUnauthenticated);
}

TYPED_TEST_P(AppStoreConformanceTest, CreateValidates) {
  AppStore& store = *this->store_;
  EXPECT_EQ(store.Create("", "ios", AppSettings(), false).status().field(), "name");
  EXPECT_EQ(store.Create("a", "symbian", AppSettings(), false).status().field(), "platform");
  AppSettings bad;
  bad.impression_lookback_hours = -1;
  Status s = store.Create("a", "ios", bad, false).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "settings.impression_lookback_hours");
  AppSettings no_retention;
  no_retention.retention_days = 0;
  EXPECT_EQ(store.Create("a", "ios", no_retention, false).status().field(),
            "settings.retention_days");
  EXPECT_TRUE(store.List()->empty());
}

TYPED_TEST_P(AppStoreConformanceTest, GetUnknownIsNotFound) {
  AppStore& store = *this->store_;
  EXPECT_EQ(store.Get("app_0000000000000000").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Update("nope", "x", nullptr).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store.RotateKey("nope").status().code(), StatusCode::kNotFound);
  // An id that could not be ours is not echoed into the message.
  Status odd = store.Get("\xff\n\"x").status();
  EXPECT_EQ(odd.code(), StatusCode::kNotFound);
  EXPECT_EQ(odd.message().find('\xff'), std::string::npos);
  EXPECT_EQ(store.Delete("\xff").code(), StatusCode::kNotFound);
  EXPECT_EQ(store.Update(std::string("a\0", 2), std::nullopt, AppStore::ReplaceSettings({}))
                .status()
                .code(),
            StatusCode::kNotFound);
}

TYPED_TEST_P(AppStoreConformanceTest, ListIsOldestFirst) {
  const int64_t t0 = TestFixture::kT0;
  EXPECT_TRUE(this->store_->List()->empty());
  CreatedApp a = this->MustCreate("a");
  this->clock_.AdvanceMs(1);
  CreatedApp b = this->MustCreate("b", "web");
  CreatedApp c = this->MustCreate("c", "android");  // Same ms as b: insertion order.
  this->clock_.SetMs(t0 - 5);
  CreatedApp d = this->MustCreate("d");  // A node whose clock is behind: by time.
  auto list = this->store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ((*list)[0], d.app);
  EXPECT_EQ((*list)[1], a.app);
  EXPECT_EQ((*list)[2], b.app);
  EXPECT_EQ((*list)[3], c.app);
}

TYPED_TEST_P(AppStoreConformanceTest, UpdateChangesOnlyWhatIsGiven) {
  const int64_t t0 = TestFixture::kT0;
  AppStore& store = *this->store_;
  CreatedApp created = this->MustCreate("before");
  this->clock_.AdvanceMs(1000);

  auto renamed = store.Update(created.app.id, "after", nullptr);
  ASSERT_TRUE(renamed.ok()) << renamed.status().ToString();
  EXPECT_EQ(renamed->name, "after");
  EXPECT_EQ(renamed->settings, AppSettings());
  EXPECT_EQ(renamed->created_ms, t0);
  EXPECT_EQ(renamed->updated_ms, t0 + 1000);

  AppSettings settings;
  settings.probabilistic = false;
  settings.mta_lookback_days = 7;
  this->clock_.AdvanceMs(1000);
  auto updated = store.Update(created.app.id, std::nullopt, AppStore::ReplaceSettings(settings));
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->name, "after");
  EXPECT_EQ(updated->settings, settings);
  EXPECT_EQ(updated->updated_ms, t0 + 2000);
  EXPECT_EQ(*store.Get(created.app.id), *updated);

  this->clock_.AdvanceMs(1000);
  auto unchanged = store.Update(created.app.id, std::nullopt, nullptr);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(*unchanged, *updated);

  // The key survives updates.
  EXPECT_EQ(Owner(store, created.api_key), created.app.id);
}

TYPED_TEST_P(AppStoreConformanceTest, RetentionDaysRoundTripsThroughUpdate) {
  CreatedApp created = this->MustCreate("x");
  EXPECT_EQ(created.app.settings.retention_days, 400);
  auto set_retention = [](int64_t days) {
    return [days](AppSettings& s) {
      s.retention_days = days;
      return Status::OK();
    };
  };
  AppStore& store = *this->store_;
  for (int64_t days : {1, 3650, 30}) {
    auto updated = store.Update(created.app.id, std::nullopt, set_retention(days));
    ASSERT_TRUE(updated.ok()) << days << ": " << updated.status().ToString();
    EXPECT_EQ(updated->settings.retention_days, days);
    EXPECT_EQ(store.Get(created.app.id)->settings.retention_days, days);
  }
  for (int64_t days : {0, 3651}) {
    Status s = store.Update(created.app.id, std::nullopt, set_retention(days)).status();
    EXPECT_EQ(s.field(), "settings.retention_days") << days;
  }
  this->Reopen();
  App app = *this->store_->Get(created.app.id);
  EXPECT_EQ(app.settings.retention_days, 30);
  AppSettings want;
  want.retention_days = 30;
  EXPECT_EQ(app.settings, want);
}

TYPED_TEST_P(AppStoreConformanceTest, UpdateValidates) {
  AppStore& store = *this->store_;
  CreatedApp created = this->MustCreate("x");
  AppSettings bad;
  bad.time_decay_half_life_hours = 0;
  Status s = store.Update(created.app.id, std::nullopt, AppStore::ReplaceSettings(bad)).status();
  EXPECT_EQ(s.field(), "settings.time_decay_half_life_hours");
  EXPECT_EQ(store.Update(created.app.id, std::string(201, 'n'), nullptr).status().field(), "name");
  EXPECT_EQ(*store.Get(created.app.id), created.app);
}

TYPED_TEST_P(AppStoreConformanceTest, ConcurrentSettingEditsBothTakeEffect) {
  CreatedApp created = this->MustCreate("x");
  RaceSettingEdits(*this->store_, *this->store_, created.app.id);
}

TYPED_TEST_P(AppStoreConformanceTest, AFailingEditChangesNothing) {
  AppStore& store = *this->store_;
  CreatedApp created = this->MustCreate("x");
  Status s = store
                 .Update(created.app.id, "renamed",
                         [](AppSettings& settings) {
                           settings.probabilistic = false;
                           return Status::InvalidArgument("settings.x", "bad");
                         })
                 .status();
  EXPECT_EQ(s.field(), "settings.x");
  EXPECT_EQ(*store.Get(created.app.id), created.app);
}

TYPED_TEST_P(AppStoreConformanceTest, RotateKeyRetiresTheOldKeyAtOnce) {
  AppStore& store = *this->store_;
  CreatedApp created = this->MustCreate("x");
  CreatedApp other = this->MustCreate("y");
  this->clock_.AdvanceMs(5);
  auto rotated = store.RotateKey(created.app.id);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_NE(rotated->api_key, created.api_key);
  EXPECT_EQ(rotated->app.id, created.app.id);
  EXPECT_EQ(rotated->app.updated_ms, TestFixture::kT0 + 5);
  EXPECT_EQ(*store.Get(created.app.id), rotated->app);

  Status old_key = store.AppIdForKey(created.api_key).status();
  EXPECT_EQ(old_key.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(old_key.reason(), "unauthorized");
  EXPECT_EQ(Owner(store, rotated->api_key), created.app.id);
  EXPECT_EQ(Owner(store, other.api_key), other.app.id);
}

TYPED_TEST_P(AppStoreConformanceTest, UnknownKeysAreUnauthenticated) {
  AppStore& store = *this->store_;
  this->MustCreate("x");
  EXPECT_EQ(store.AppIdForKey("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store.AppIdForKey("umk_nope").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store.AppIdForKey("umk_" + std::string(64, 'a')).status().code(),
            StatusCode::kUnauthenticated);
}

TYPED_TEST_P(AppStoreConformanceTest, ReopenKeepsEverything) {
  CreatedApp a = this->MustCreate("a", "web");
  CreatedApp b = this->MustCreate("b", "android");
  AppSettings settings;
  settings.probabilistic_window_hours = 0;
  settings.time_decay_half_life_hours = 0.25;
  settings.retention_days = 1;
  this->clock_.AdvanceMs(10);
  App a_updated = *this->store_->Update(a.app.id, "a2", AppStore::ReplaceSettings(settings));
  CreatedApp b_rotated = *this->store_->RotateKey(b.app.id);

  this->Reopen();
  AppStore& store = *this->store_;
  auto list = store.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0], a_updated);
  EXPECT_EQ((*list)[1], b_rotated.app);
  EXPECT_EQ(Owner(store, a.api_key), a.app.id);
  EXPECT_EQ(Owner(store, b_rotated.api_key), b.app.id);
  EXPECT_EQ(store.AppIdForKey(b.api_key).status().code(), StatusCode::kUnauthenticated);
}

TYPED_TEST_P(AppStoreConformanceTest, KeyLookupsRunAlongsideWrites) {
  AppStore& store = *this->store_;
  CreatedApp stable = this->MustCreate("stable");
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto id = store.AppIdForKey(stable.api_key);
      if (!id.ok() || *id != stable.app.id) failures.fetch_add(1);
    }
  });
  CreatedApp churn = this->MustCreate("churn");
  for (int i = 0; i < 50; ++i) {
    auto rotated = store.RotateKey(churn.app.id);
    if (!rotated.ok()) {
      ADD_FAILURE() << rotated.status().ToString();
      break;
    }
    EXPECT_EQ(store.AppIdForKey(churn.api_key).status().code(), StatusCode::kUnauthenticated);
    churn = std::move(rotated).value();
    EXPECT_EQ(Owner(store, churn.api_key), churn.app.id);
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(failures.load(), 0);
}

REGISTER_TYPED_TEST_SUITE_P(AppStoreConformanceTest, CreateThenGet,
                            DoublesAndUnicodeRoundTripExactly, DemoFlagRoundTrips,
                            DeleteRemovesTheAppAndRejectsItsKeyAtOnce,
                            DeleteAfterARotationRejectsTheNewKey, CreateValidates,
                            GetUnknownIsNotFound, ListIsOldestFirst, UpdateChangesOnlyWhatIsGiven,
                            RetentionDaysRoundTripsThroughUpdate, UpdateValidates,
                            ConcurrentSettingEditsBothTakeEffect, AFailingEditChangesNothing,
                            RotateKeyRetiresTheOldKeyAtOnce, UnknownKeysAreUnauthenticated,
                            ReopenKeepsEverything, KeyLookupsRunAlongsideWrites);

}  // namespace unmogrowp
