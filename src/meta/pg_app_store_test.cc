#include "meta/pg_app_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "meta/app_store_conformance_test.h"
#include "meta/pg_meta_backend_for_test.h"

namespace unmogrowp {

INSTANTIATE_TYPED_TEST_SUITE_P(PgAppStoreTest, AppStoreConformanceTest, PgMetaBackend);

namespace {

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

// True when `store` turns `key` away as unknown (not for any other error).
bool Rejected(AppStore& store, std::string_view key) {
  return store.AppIdForKey(key).status().code() == StatusCode::kUnauthenticated;
}

// What only the PostgreSQL backend has: several nodes on one database, the
// key notifications between them, reconnects and the text it cannot hold.
class PgAppStoreTest : public AppStoreConformanceTest<PgMetaBackend> {
 protected:
  // Terminates the scratch database's sessions named `application_name`
  // (waiting until they are gone); how many there were.
  int64_t TerminateSessions(const std::string& application_name) {
    auto terminated = backend_.db().TerminateSessions(application_name);
    EXPECT_TRUE(terminated.ok()) << terminated.status().ToString();
    return terminated.ok() ? *terminated : -1;
  }

  void AllowConnections(bool allow) {
    Status s = backend_.db().AllowConnections(allow);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
};

TEST_F(PgAppStoreTest, CreateRefusesANulInTheName) {
  // PostgreSQL text cannot hold NUL: refused by field rather than cut short.
  Status nul = store_->Create(std::string("a\0b", 3), "ios", AppSettings(), false).status();
  EXPECT_EQ(nul.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nul.field(), "name");
  EXPECT_TRUE(store_->List()->empty());
}

TEST_F(PgAppStoreTest, ConcurrentSettingEditsOnTwoNodesBothTakeEffect) {
  // Two stores, two connections: only the row lock (SELECT ... FOR UPDATE)
  // keeps one node's read-modify-write from overwriting the other's.
  std::unique_ptr<AppStore> other = MustOpen();
  ASSERT_NE(other, nullptr);
  CreatedApp created = MustCreate("x");
  RaceSettingEdits(*store_, *other, created.app.id);
}

TEST_F(PgAppStoreTest, KeysAreNotStoredInPlainText) {
  CreatedApp a = MustCreate("a");
  CreatedApp b = MustCreate("b");
  CreatedApp b2 = *store_->RotateKey(b.app.id);
  const std::vector<std::string> keys = {a.api_key, b.api_key, b2.api_key};

  // Every row of every table, as text.
  auto conn = PgConnection::Open(backend_.db().url());
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

TEST_F(PgAppStoreTest, AKeyCreatedOnAnotherNodeWorksAtOnce) {
  std::unique_ptr<AppStore> other = MustOpen();
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
  std::unique_ptr<AppStore> other = MustOpen();
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
  std::unique_ptr<AppStore> other = MustOpen();
  ASSERT_NE(other, nullptr);
  CreatedApp created = MustCreate("x");
  ASSERT_EQ(Owner(*other, created.api_key), created.app.id);
  ASSERT_TRUE(store_->Delete(created.app.id).ok());
  EXPECT_TRUE(PollUntil([&] { return Rejected(*other, created.api_key); }));
  EXPECT_EQ(other->AppIdForKey(created.api_key).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(other->Get(created.app.id).status().code(), StatusCode::kNotFound);
}

TEST_F(PgAppStoreTest, RevocationsMissedWhileTheListenerWasAwayAreReloaded) {
  std::unique_ptr<AppStore> other = MustOpen();
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
