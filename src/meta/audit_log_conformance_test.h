#pragma once

// The behaviour every AuditLog backend shares (audit_log.h), written once as
// a typed GoogleTest suite. A backend's test file instantiates it, named
// after the backend (ctest lists SqliteAuditLogTest.LimitAndBeforePage<...>):
//
//   INSTANTIATE_TYPED_TEST_SUITE_P(SqliteAuditLogTest, AuditLogConformanceTest, SqliteMetaBackend);
//
// A Backend is default-constructible, owns fresh empty storage for one test
// and has
//   bool ready() const;  // false: the storage could not be made
//   Result<std::unique_ptr<L>> OpenAuditLog(const Clock&) const;  // L: an AuditLog
//   Result<std::unique_ptr<S>> OpenAppStore(const Clock&) const;  // S: an AppStore
//   Result<int64_t> DeleteAuditEntry(int64_t id) const;  // behind the log's back; rows deleted
// where each Open call is another handle on the same storage (a reopen; for
// a shared database, another node). Tests run on one thread but the ones
// that race calls on purpose.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "meta/app_store.h"
#include "meta/audit_log.h"

namespace unmogrowp {

// A device erasure by the admin, of `app_id`.
inline AuditEntry ErasureEntry(std::string app_id, std::string target, std::string detail = "") {
  AuditEntry entry;
  entry.actor = "admin";
  entry.action = "device.erase";
  entry.app_id = std::move(app_id);
  entry.target = std::move(target);
  entry.detail = std::move(detail);
  return entry;
}

template <typename Backend>
class AuditLogConformanceTest : public ::testing::Test {
 protected:
  static constexpr int64_t kT0 = 1'795'000'000'000;  // 2026-11-19

  void SetUp() override {
    ASSERT_TRUE(backend_.ready());
    Reopen();
  }

  void Reopen() {
    log_.reset();
    log_ = MustOpen();
    ASSERT_NE(log_, nullptr);
  }

  // Another handle on the same storage (for a shared database, another node).
  std::unique_ptr<AuditLog> MustOpen() {
    auto opened = backend_.OpenAuditLog(clock_);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return nullptr;
    return std::move(opened).value();
  }

  AuditEntry MustAppend(AuditEntry entry) {
    auto appended = log_->Append(std::move(entry));
    EXPECT_TRUE(appended.ok()) << appended.status().ToString();
    return appended.ok() ? std::move(appended).value() : AuditEntry();
  }

  std::vector<AuditEntry> MustList(std::string_view app_id, size_t limit, int64_t before_id) {
    auto listed = log_->List(app_id, limit, before_id);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    return listed.ok() ? std::move(listed).value() : std::vector<AuditEntry>();
  }

  Backend backend_;  // First: outlives every log on it.
  ManualClock clock_{kT0};
  std::unique_ptr<AuditLog> log_;
};

TYPED_TEST_SUITE_P(AuditLogConformanceTest);

TYPED_TEST_P(AuditLogConformanceTest, AppendAssignsIdAndTime) {
  const int64_t t0 = TestFixture::kT0;
  AuditEntry given = ErasureEntry("app_a", DeviceTarget("dev-1"), "requested by support #12");
  given.id = 999;      // Ignored.
  given.at_ms = 1234;  // Ignored.
  AuditEntry first = this->MustAppend(given);
  EXPECT_GT(first.id, 0);
  EXPECT_EQ(first.at_ms, t0);
  EXPECT_EQ(first.actor, "admin");
  EXPECT_EQ(first.action, "device.erase");
  EXPECT_EQ(first.app_id, "app_a");
  EXPECT_EQ(first.target, DeviceTarget("dev-1"));
  EXPECT_EQ(first.detail, "requested by support #12");

  this->clock_.AdvanceMs(7);
  AuditEntry second = this->MustAppend(ErasureEntry("", "x"));
  EXPECT_GT(second.id, first.id);
  EXPECT_EQ(second.at_ms, t0 + 7);

  EXPECT_EQ(this->MustList("", 10, 0), (std::vector<AuditEntry>{second, first}));
}

TYPED_TEST_P(AuditLogConformanceTest, AppendNeedsActorAndAction) {
  AuditEntry no_actor = ErasureEntry("app_a", "t");
  no_actor.actor.clear();
  Status s = this->log_->Append(no_actor).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "actor");
  AuditEntry no_action = ErasureEntry("app_a", "t");
  no_action.action.clear();
  EXPECT_EQ(this->log_->Append(no_action).status().field(), "action");
  EXPECT_TRUE(this->MustList("", 10, 0).empty());
}

TYPED_TEST_P(AuditLogConformanceTest, ListIsNewestFirstAndFiltersByApp) {
  EXPECT_TRUE(this->MustList("", 10, 0).empty());
  AuditEntry a1 = this->MustAppend(ErasureEntry("app_a", "1"));
  AuditEntry b1 = this->MustAppend(ErasureEntry("app_b", "2"));
  AuditEntry none = this->MustAppend(ErasureEntry("", "3"));
  AuditEntry a2 = this->MustAppend(ErasureEntry("app_a", "4"));

  EXPECT_EQ(this->MustList("", 10, 0), (std::vector<AuditEntry>{a2, none, b1, a1}));
  EXPECT_EQ(this->MustList("app_a", 10, 0), (std::vector<AuditEntry>{a2, a1}));
  EXPECT_EQ(this->MustList("app_b", 10, 0), (std::vector<AuditEntry>{b1}));
  EXPECT_TRUE(this->MustList("app_c", 10, 0).empty());
  // A prefix of an app id is another app.
  EXPECT_TRUE(this->MustList("app_", 10, 0).empty());
  // So are LIKE patterns.
  EXPECT_TRUE(this->MustList("app_%", 10, 0).empty());
}

TYPED_TEST_P(AuditLogConformanceTest, LimitAndBeforePage) {
  std::vector<AuditEntry> appended;
  for (int i = 0; i < 7; ++i) {
    appended.push_back(
        this->MustAppend(ErasureEntry(i % 2 == 0 ? "app_even" : "app_odd", std::to_string(i))));
  }
  std::vector<AuditEntry> newest_first(appended.rbegin(), appended.rend());

  EXPECT_TRUE(this->MustList("", 0, 0).empty());
  EXPECT_EQ(this->MustList("", 1, 0), (std::vector<AuditEntry>{newest_first[0]}));
  EXPECT_EQ(this->MustList("", 1000, 0), newest_first);
  EXPECT_EQ(this->MustList("", static_cast<size_t>(-1), 0), newest_first);

  // Strictly below `before`.
  EXPECT_EQ(this->MustList("", 2, appended[4].id),
            (std::vector<AuditEntry>{appended[3], appended[2]}));
  EXPECT_TRUE(this->MustList("", 10, appended[0].id).empty());

  // Walking pages of 3 visits every entry once, newest first.
  std::vector<AuditEntry> walked;
  int64_t before = 0;
  for (int page = 0; page < 10; ++page) {
    std::vector<AuditEntry> entries = this->MustList("", 3, before);
    walked.insert(walked.end(), entries.begin(), entries.end());
    if (entries.size() < 3) break;
    before = entries.back().id;
  }
  EXPECT_EQ(walked, newest_first);

  // Paging within one app.
  std::vector<AuditEntry> even = this->MustList("app_even", 2, 0);
  EXPECT_EQ(even, (std::vector<AuditEntry>{appended[6], appended[4]}));
  EXPECT_EQ(this->MustList("app_even", 2, even.back().id),
            (std::vector<AuditEntry>{appended[2], appended[0]}));
}

TYPED_TEST_P(AuditLogConformanceTest, ReopenKeepsEntriesAndIdsKeepIncreasing) {
  AuditEntry a = this->MustAppend(ErasureEntry("app_a", "1", "first"));
  AuditEntry b = this->MustAppend(ErasureEntry("app_a", "2"));
  this->Reopen();
  EXPECT_EQ(this->MustList("", 10, 0), (std::vector<AuditEntry>{b, a}));

  // An id is never handed out twice, even when the newest row is gone.
  this->log_.reset();
  auto deleted = this->backend_.DeleteAuditEntry(b.id);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1);
  this->Reopen();
  AuditEntry c = this->MustAppend(ErasureEntry("app_a", "3"));
  EXPECT_GT(c.id, b.id);
  EXPECT_EQ(this->MustList("", 10, 0), (std::vector<AuditEntry>{c, a}));
}

TYPED_TEST_P(AuditLogConformanceTest, SharesTheDatabaseWithTheAppStore) {
  auto apps = this->backend_.OpenAppStore(this->clock_);
  ASSERT_TRUE(apps.ok()) << apps.status().ToString();
  auto created = (*apps)->Create("Acme", "ios", AppSettings(), /*demo=*/false);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  AuditEntry entry = this->MustAppend(ErasureEntry(created->app.id, DeviceTarget("d")));
  EXPECT_EQ(this->MustList(created->app.id, 10, 0), (std::vector<AuditEntry>{entry}));
  EXPECT_EQ((*apps)->List()->size(), 1u);
  // The log outlives the app.
  ASSERT_TRUE((*apps)->Delete(created->app.id).ok());
  EXPECT_EQ(this->MustList(created->app.id, 10, 0), (std::vector<AuditEntry>{entry}));
}

TYPED_TEST_P(AuditLogConformanceTest, TextIsStoredAsGiven) {
  AuditEntry entry = this->MustAppend(ErasureEntry("app_'; DROP TABLE audit_log; --", "t\\x00",
                                                   "multi\nline \"détail\" \xF0\x9F\x94\x92"));
  EXPECT_EQ(this->MustList("app_'; DROP TABLE audit_log; --", 10, 0),
            (std::vector<AuditEntry>{entry}));
}

TYPED_TEST_P(AuditLogConformanceTest, ConcurrentAppendsAreAllStoredWithDistinctIds) {
  // Two handles (for a shared database, two nodes), two threads each.
  std::unique_ptr<AuditLog> other = this->MustOpen();
  ASSERT_NE(other, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::vector<AuditEntry>> appended(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    AuditLog& log = t % 2 == 0 ? *this->log_ : *other;
    threads.emplace_back([&log, t, &appended] {
      for (int i = 0; i < kPerThread; ++i) {
        auto entry = log.Append(ErasureEntry("app_" + std::to_string(t), std::to_string(i)));
        ASSERT_TRUE(entry.ok()) << entry.status().ToString();
        appended[t].push_back(std::move(entry).value());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::set<int64_t> ids;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(appended[t].size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) {
      ids.insert(appended[t][i].id);
      // Each thread sees its own appends get increasing ids.
      if (i > 0) {
        EXPECT_GT(appended[t][i].id, appended[t][i - 1].id);
      }
    }
    // And the per-app view holds exactly that thread's entries.
    std::vector<AuditEntry> own(appended[t].rbegin(), appended[t].rend());
    EXPECT_EQ(this->MustList("app_" + std::to_string(t), 1000, 0), own);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));

  std::vector<AuditEntry> all = this->MustList("", 1000, 0);
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<int64_t> listed;
  for (const AuditEntry& e : all) listed.push_back(e.id);
  EXPECT_TRUE(std::is_sorted(listed.rbegin(), listed.rend()));
  EXPECT_EQ(std::set<int64_t>(listed.begin(), listed.end()), ids);
}

REGISTER_TYPED_TEST_SUITE_P(AuditLogConformanceTest, AppendAssignsIdAndTime,
                            AppendNeedsActorAndAction, ListIsNewestFirstAndFiltersByApp,
                            LimitAndBeforePage, ReopenKeepsEntriesAndIdsKeepIncreasing,
                            SharesTheDatabaseWithTheAppStore, TextIsStoredAsGiven,
                            ConcurrentAppendsAreAllStoredWithDistinctIds);

}  // namespace unmogrowp
