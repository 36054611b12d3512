#include "meta/pg_connection.h"

#include <gtest/gtest.h>

#include "meta/pg_scratch_database_for_test.h"

namespace unmogrowp {
namespace {

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(db_.name().empty());
    auto conn = PgConnection::Open(db_.url());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(conn).value();
    ASSERT_TRUE(conn_
                    ->Exec("CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT CHECK (n >= 0), "
                           "b BOOLEAN, d DOUBLE PRECISION)")
                    .ok());
  }

  // Ends this connection's session from the server side, as a restart would.
  void TerminateOurSession() {
    auto pid = conn_->Exec("SELECT pg_backend_pid()");
    ASSERT_TRUE(pid.ok()) << pid.status().ToString();
    auto terminated = db_.admin().Exec("SELECT pg_terminate_backend($1, 5000)", {pid->Text(0, 0)});
    ASSERT_TRUE(terminated.ok()) << terminated.status().ToString();
    ASSERT_EQ(terminated->Text(0, 0), "t");
  }

  void AllowConnections(bool allow) {
    Status s = db_.AllowConnections(allow);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  PgScratchDatabase db_;
  std::unique_ptr<PgConnection> conn_;
};

TEST_F(PgConnectionTest, ExecReturnsRowsAsText) {
  auto inserted = conn_->Exec("INSERT INTO t VALUES ($1, $2, $3, $4), ('b', NULL, false, 0.5)",
                              {"a", "42", "true", "1e-05"});
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  EXPECT_EQ(inserted->affected(), 2);
  EXPECT_TRUE(inserted->empty());

  auto rows = conn_->Exec("SELECT k, n, b, d FROM t ORDER BY k");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ(rows->Text(0, 0), "a");
  EXPECT_EQ(*rows->Int64(0, 1), 42);
  EXPECT_TRUE(*rows->Bool(0, 2));
  EXPECT_EQ(*rows->Double(0, 3), 1e-05);
  EXPECT_EQ(rows->Text(1, 1), "");  // NULL.
  EXPECT_EQ(rows->Int64(1, 1).status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(*rows->Bool(1, 2));
  EXPECT_EQ(rows->Bool(1, 0).status().code(), StatusCode::kCorruption);

  auto deleted = conn_->Exec("DELETE FROM t WHERE k = $1", {"nope"});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->affected(), 0);
}

TEST_F(PgConnectionTest, ErrorsMapToFittingCodes) {
  ASSERT_TRUE(conn_->Exec("INSERT INTO t (k) VALUES ('a')").ok());
  Status duplicate = conn_->Exec("INSERT INTO t (k) VALUES ($1)", {"a"}).status();
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists) << duplicate.ToString();
  EXPECT_NE(duplicate.message().find(db_.name()), std::string::npos) << duplicate.message();
  Status check = conn_->Exec("INSERT INTO t (k, n) VALUES ('b', -1)").status();
  EXPECT_EQ(check.code(), StatusCode::kFailedPrecondition) << check.ToString();
  Status bad_value = conn_->Exec("INSERT INTO t (k, n) VALUES ('b', $1)", {"x"}).status();
  EXPECT_EQ(bad_value.code(), StatusCode::kInvalidArgument) << bad_value.ToString();
  Status syntax = conn_->Exec("SELEKT 1").status();
  EXPECT_EQ(syntax.code(), StatusCode::kInternal) << syntax.ToString();
  Status nul = conn_->Exec("SELECT $1::text", {std::string("a\0b", 3)}).status();
  EXPECT_EQ(nul.code(), StatusCode::kInvalidArgument) << nul.ToString();
  // The connection is still good after all that.
  EXPECT_TRUE(conn_->Exec("SELECT 1").ok());
}

TEST_F(PgConnectionTest, TransactCommitsOrRollsBack) {
  ASSERT_TRUE(conn_
                  ->Transact([](PgTransaction& txn) {
                    UM_RETURN_IF_ERROR(txn.Exec("INSERT INTO t (k) VALUES ('a')").status());
                    return txn.Exec("INSERT INTO t (k) VALUES ('b')").status();
                  })
                  .ok());
  Status failed = conn_->Transact([](PgTransaction& txn) {
    UM_RETURN_IF_ERROR(txn.Exec("INSERT INTO t (k) VALUES ('c')").status());
    return Status::NotFound("changed my mind");
  });
  EXPECT_EQ(failed.code(), StatusCode::kNotFound);
  Status duplicate = conn_->Transact([](PgTransaction& txn) {
    UM_RETURN_IF_ERROR(txn.Exec("INSERT INTO t (k) VALUES ('d')").status());
    return txn.Exec("INSERT INTO t (k) VALUES ('a')").status();
  });
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists) << duplicate.ToString();
  // A body that swallows a failed statement cannot commit the rest.
  Status swallowed = conn_->Transact([](PgTransaction& txn) {
    UM_RETURN_IF_ERROR(txn.Exec("INSERT INTO t (k) VALUES ('e')").status());
    (void)txn.Exec("INSERT INTO t (k) VALUES ('a')");
    return Status::OK();
  });
  EXPECT_FALSE(swallowed.ok());
  auto keys = conn_->Exec("SELECT string_agg(k, ',' ORDER BY k) FROM t");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->Text(0, 0), "a,b");
}

TEST_F(PgConnectionTest, ReconnectsAfterTheServerEndsTheSession) {
  TerminateOurSession();
  auto rows = conn_->Exec("SELECT count(*) FROM t");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows->Int64(0, 0), 0);

  TerminateOurSession();
  int runs = 0;
  Status committed = conn_->Transact([&runs](PgTransaction& txn) {
    ++runs;
    return txn.Exec("INSERT INTO t (k) VALUES ('a')").status();
  });
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(*conn_->Exec("SELECT count(*) FROM t")->Int64(0, 0), 1);
}

TEST_F(PgConnectionTest, UnavailableWhileTheServerRefusesThenBackAgain) {
  AllowConnections(false);
  TerminateOurSession();
  Status s = conn_->Exec("SELECT 1").status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find(db_.name()), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("cannot reconnect"), std::string::npos) << s.message();
  AllowConnections(true);
  EXPECT_TRUE(conn_->Exec("SELECT 1").ok());
}

TEST(PgConnectOptionsTest, AnUnparsableUrlIsInvalidArgumentWithoutThePassword) {
  // libpq quotes the bad token, here the password itself.
  auto opened = PgConnection::Open("postgresql://meta:s3cret%zz@127.0.0.1:5432/meta");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument) << opened.status().ToString();
  EXPECT_EQ(opened.status().field(), "url");
  EXPECT_EQ(opened.status().message().find("s3cret"), std::string::npos)
      << opened.status().message();
}

TEST(PgConnectOptionsTest, DescribesTheServerWithoutThePassword) {
  EXPECT_EQ(DescribePgServer("postgresql://meta:s3cret@db.example:6432/apps"),
            "db.example:6432/apps as meta");
  EXPECT_EQ(DescribePgServer("host=10.0.0.1 dbname=apps user=u password=s3cret"),
            "10.0.0.1:5432/apps as u");
}

}  // namespace
}  // namespace unmogrowp
