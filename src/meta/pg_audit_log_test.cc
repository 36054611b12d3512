#include "meta/pg_audit_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "core/clock.h"
#include "meta/pg_app_store.h"
#include "meta/pg_scratch_database_for_test.h"

namespace unmogrowp {
namespace {

constexpr int64_t kT0 = 1'795'000'000'000;  // 2026-11-19

AuditEntry Entry(std::string app_id, std::string target, std::string detail = "") {
  AuditEntry entry;
  entry.actor = "admin";
  entry.action = "device.erase";
  entry.app_id = std::move(app_id);
  entry.target = std::move(target);
  entry.detail = std::move(detail);
  return entry;
}

std::vector<int64_t> Ids(const std::vector<AuditEntry>& entries) {
  std::vector<int64_t> ids;
  for (const AuditEntry& e : entries) ids.push_back(e.id);
  return ids;
}

class PgAuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(db_.name().empty());
    Reopen();
  }

  void Reopen() {
    log_.reset();
    log_ = MustOpen();
  }

  std::unique_ptr<PgAuditLog> MustOpen() {
    auto opened = PgAuditLog::Open(db_.url(), clock_);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
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

  PgScratchDatabase db_;
  ManualClock clock_{kT0};
  std::unique_ptr<PgAuditLog> log_;
};

TEST_F(PgAuditLogTest, AppendAssignsIdAndTime) {
  AuditEntry given = Entry("app_a", DeviceTarget("dev-1"), "requested by support #12");
  given.id = 999;      // Ignored.
  given.at_ms = 1234;  // Ignored.
  AuditEntry first = MustAppend(given);
  EXPECT_GT(first.id, 0);
  EXPECT_EQ(first.at_ms, kT0);
  EXPECT_EQ(first.actor, "admin");
  EXPECT_EQ(first.action, "device.erase");
  EXPECT_EQ(first.app_id, "app_a");
  EXPECT_EQ(first.target, DeviceTarget("dev-1"));
  EXPECT_EQ(first.detail, "requested by support #12");

  clock_.AdvanceMs(7);
  AuditEntry second = MustAppend(Entry("", "x"));
  EXPECT_GT(second.id, first.id);
  EXPECT_EQ(second.at_ms, kT0 + 7);

  EXPECT_EQ(MustList("", 10, 0), (std::vector<AuditEntry>{second, first}));
}

TEST_F(PgAuditLogTest, AppendNeedsActorAndAction) {
  AuditEntry no_actor = Entry("app_a", "t");
  no_actor.actor.clear();
  Status s = log_->Append(no_actor).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "actor");
  AuditEntry no_action = Entry("app_a", "t");
  no_action.action.clear();
  EXPECT_EQ(log_->Append(no_action).status().field(), "action");
  EXPECT_TRUE(MustList("", 10, 0).empty());
}

TEST_F(PgAuditLogTest, ListIsNewestFirstAndFiltersByApp) {
  EXPECT_TRUE(MustList("", 10, 0).empty());
  AuditEntry a1 = MustAppend(Entry("app_a", "1"));
  AuditEntry b1 = MustAppend(Entry("app_b", "2"));
  AuditEntry none = MustAppend(Entry("", "3"));
  AuditEntry a2 = MustAppend(Entry("app_a", "4"));

  EXPECT_EQ(MustList("", 10, 0), (std::vector<AuditEntry>{a2, none, b1, a1}));
  EXPECT_EQ(MustList("app_a", 10, 0), (std::vector<AuditEntry>{a2, a1}));
  EXPECT_EQ(MustList("app_b", 10, 0), (std::vector<AuditEntry>{b1}));
  EXPECT_TRUE(MustList("app_c", 10, 0).empty());
  // A prefix of an app id is another app.
  EXPECT_TRUE(MustList("app_", 10, 0).empty());
  // So are LIKE patterns.
  EXPECT_TRUE(MustList("app_%", 10, 0).empty());
}

TEST_F(PgAuditLogTest, LimitAndBeforePage) {
  std::vector<AuditEntry> appended;
  for (int i = 0; i < 7; ++i) {
    appended.push_back(MustAppend(Entry(i % 2 == 0 ? "app_even" : "app_odd", std::to_string(i))));
  }
  std::vector<AuditEntry> newest_first(appended.rbegin(), appended.rend());

  EXPECT_TRUE(MustList("", 0, 0).empty());
  EXPECT_EQ(MustList("", 1, 0), (std::vector<AuditEntry>{newest_first[0]}));
  EXPECT_EQ(MustList("", 1000, 0), newest_first);
  EXPECT_EQ(MustList("", static_cast<size_t>(-1), 0), newest_first);

  // Strictly below `before`.
  EXPECT_EQ(MustList("", 2, appended[4].id), (std::vector<AuditEntry>{appended[3], appended[2]}));
  EXPECT_TRUE(MustList("", 10, appended[0].id).empty());

  // Walking pages of 3 visits every entry once, newest first.
  std::vector<AuditEntry> walked;
  int64_t before = 0;
  for (int page = 0; page < 10; ++page) {
    std::vector<AuditEntry> entries = MustList("", 3, before);
    walked.insert(walked.end(), entries.begin(), entries.end());
    if (entries.size() < 3) break;
    before = entries.back().id;
  }
  EXPECT_EQ(walked, newest_first);

  // Paging within one app.
  std::vector<AuditEntry> even = MustList("app_even", 2, 0);
  EXPECT_EQ(even, (std::vector<AuditEntry>{appended[6], appended[4]}));
  EXPECT_EQ(MustList("app_even", 2, even.back().id),
            (std::vector<AuditEntry>{appended[2], appended[0]}));
}

TEST_F(PgAuditLogTest, ReopenKeepsEntriesAndIdsKeepIncreasing) {
  AuditEntry a = MustAppend(Entry("app_a", "1", "first"));
  AuditEntry b = MustAppend(Entry("app_a", "2"));
  Reopen();
  EXPECT_EQ(MustList("", 10, 0), (std::vector<AuditEntry>{b, a}));

  // An id is never handed out twice, even when the newest row is gone.
  log_.reset();
  {
    auto conn = PgConnection::Open(db_.url());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    auto deleted = (*conn)->Exec("DELETE FROM audit_log WHERE id = $1", {std::to_string(b.id)});
    ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
    EXPECT_EQ(deleted->affected(), 1);
  }
  Reopen();
  AuditEntry c = MustAppend(Entry("app_a", "3"));
  EXPECT_GT(c.id, b.id);
  EXPECT_EQ(MustList("", 10, 0), (std::vector<AuditEntry>{c, a}));
}

TEST_F(PgAuditLogTest, SharesTheDatabaseWithTheAppStore) {
  auto apps = PgAppStore::Open(db_.url(), clock_);
  ASSERT_TRUE(apps.ok()) << apps.status().ToString();
  auto created = (*apps)->Create("Acme", "ios", AppSettings(), /*demo=*/false);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  AuditEntry entry = MustAppend(Entry(created->app.id, DeviceTarget("d")));
  EXPECT_EQ(MustList(created->app.id, 10, 0), (std::vector<AuditEntry>{entry}));
  EXPECT_EQ((*apps)->List()->size(), 1u);
  // The log outlives the app.
  ASSERT_TRUE((*apps)->Delete(created->app.id).ok());
  EXPECT_EQ(MustList(created->app.id, 10, 0), (std::vector<AuditEntry>{entry}));
}

TEST_F(PgAuditLogTest, TextIsStoredAsGiven) {
  AuditEntry entry = MustAppend(Entry("app_'; DROP TABLE audit_log; --", "t\\x00",
                                      "multi\nline \"détail\" \xF0\x9F\x94\x92"));
  EXPECT_EQ(MustList("app_'; DROP TABLE audit_log; --", 10, 0), (std::vector<AuditEntry>{entry}));
}

TEST_F(PgAuditLogTest, ConcurrentAppendsAreAllStoredWithDistinctIds) {
  // Two nodes (two logs, two connections), two threads each.
  std::unique_ptr<PgAuditLog> other = MustOpen();
  ASSERT_NE(other, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::vector<AuditEntry>> appended(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    AuditLog& log = t % 2 == 0 ? static_cast<AuditLog&>(*log_) : *other;
    threads.emplace_back([&log, t, &appended] {
      for (int i = 0; i < kPerThread; ++i) {
        auto entry = log.Append(Entry("app_" + std::to_string(t), std::to_string(i)));
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
    EXPECT_EQ(MustList("app_" + std::to_string(t), 1000, 0), own);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));

  std::vector<AuditEntry> all = MustList("", 1000, 0);
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<int64_t> listed = Ids(all);
  EXPECT_TRUE(std::is_sorted(listed.rbegin(), listed.rend()));
  EXPECT_EQ(std::set<int64_t>(listed.begin(), listed.end()), ids);
}

}  // namespace
}  // namespace unmogrowp
