#include "clickhouse/clickhouse_schema.h"

#include <gtest/gtest.h>

#include "clickhouse/clickhouse_test_util.h"

namespace unmogrowp {
namespace {

std::vector<ClickHouseMigration> TwoMigrations() {
  return {
      {1,
       {"CREATE TABLE IF NOT EXISTS installs (app String, d Date, n UInt64) ENGINE = MergeTree() "
        "PARTITION BY toYYYYMM(d) ORDER BY (app, d)"}},
      {2,
       {"CREATE TABLE IF NOT EXISTS installs_daily (app String, d Date, n UInt64) ENGINE = "
        "SummingMergeTree() PARTITION BY toYYYYMM(d) ORDER BY (app, d)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS installs_daily_mv TO installs_daily AS SELECT app, "
        "d, sum(n) AS n FROM installs GROUP BY app, d"}},
  };
}

class ClickHouseSchemaTest : public ClickHouseTest {
 protected:
  // A database the migrations create themselves; dropped after the test.
  void SetUp() override {
    ClickHouseTest::SetUp();
    target_ = database_ + "_m";
  }
  void TearDown() override {
    if (client_ != nullptr) {
      EXPECT_TRUE(client_->Execute("DROP DATABASE IF EXISTS " + target_, NoDatabase()).ok());
    }
    ClickHouseTest::TearDown();
  }
  std::string target_;
};

TEST_F(ClickHouseSchemaTest, AppliesOnceAndReappliesIdempotently) {
  UM_ASSERT_OK(ApplyClickHouseMigrations(*client_, target_, TwoMigrations()));
  auto version = ClickHouseSchemaVersion(*client_, target_);
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(*version, 2u);
  EXPECT_EQ(Scalar("SELECT groupArray(version) FROM (SELECT version FROM " + target_ +
                   ".schema_migrations ORDER BY version)"),
            "[1,2]");

  // The tables work together: the view sums what the table gets.
  UM_ASSERT_OK(client_->Execute("INSERT INTO " + target_ +
                                ".installs VALUES ('a', '2024-01-01', 2), ('a', '2024-01-01', 3)"));
  EXPECT_EQ(Scalar("SELECT sum(n) FROM " + target_ + ".installs_daily WHERE app = 'a'"), "5");

  // Again: nothing to do, nothing recorded twice.
  UM_ASSERT_OK(ApplyClickHouseMigrations(*client_, target_, TwoMigrations()));
  EXPECT_EQ(Scalar("SELECT count() FROM " + target_ + ".schema_migrations"), "2");

  // A third version applies on top.
  auto three = TwoMigrations();
  three.push_back({3, {"CREATE TABLE IF NOT EXISTS extra (x UInt8) ENGINE = TinyLog"}});
  UM_ASSERT_OK(ApplyClickHouseMigrations(*client_, target_, three));
  EXPECT_EQ(*ClickHouseSchemaVersion(*client_, target_), 3u);
  EXPECT_EQ(Scalar("EXISTS TABLE " + target_ + ".extra"), "1");
  EXPECT_EQ(Scalar("SELECT count() FROM " + target_ + ".schema_migrations"), "3");
}

TEST_F(ClickHouseSchemaTest, RefusesADatabaseFromANewerBinary) {
  auto three = TwoMigrations();
  three.push_back({3, {"CREATE TABLE IF NOT EXISTS extra (x UInt8) ENGINE = TinyLog"}});
  UM_ASSERT_OK(ApplyClickHouseMigrations(*client_, target_, three));
  Status older = ApplyClickHouseMigrations(*client_, target_, TwoMigrations());
  EXPECT_EQ(older.code(), StatusCode::kFailedPrecondition) << older.ToString();
  EXPECT_NE(older.message().find("version 3, newer than this binary's 2"), std::string::npos)
      << older.ToString();
}

TEST_F(ClickHouseSchemaTest, AFailedStatementRecordsNoVersion) {
  auto broken = TwoMigrations();
  broken[1].statements.push_back("CREATE TABLE IF NOT EXISTS broken (x UInt8) ENGINE = Nope()");
  Status status = ApplyClickHouseMigrations(*client_, target_, broken);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("migration 2 statement 3"), std::string::npos)
      << status.ToString();
  EXPECT_NE(status.message().find("Nope"), std::string::npos) << status.ToString();
  EXPECT_EQ(*ClickHouseSchemaVersion(*client_, target_), 1u);
  // Fixed, the whole of migration 2 runs again over what it had done.
  UM_ASSERT_OK(ApplyClickHouseMigrations(*client_, target_, TwoMigrations()));
  EXPECT_EQ(*ClickHouseSchemaVersion(*client_, target_), 2u);
}

TEST_F(ClickHouseSchemaTest, RejectsBadInput) {
  EXPECT_EQ(ApplyClickHouseMigrations(*client_, target_, {{2, {}}, {1, {}}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyClickHouseMigrations(*client_, target_, {{0, {}}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyClickHouseMigrations(*client_, "bad-name", TwoMigrations()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ClickHouseSchemaVersion(*client_, target_).status().code(), StatusCode::kNotFound);
}

TEST_F(ClickHouseSchemaTest, EmptyListOnAFreshDatabaseIsVersionZero) {
  UM_ASSERT_OK(ApplyClickHouseMigrations(*client_, target_, {}));
  EXPECT_EQ(*ClickHouseSchemaVersion(*client_, target_), 0u);
}

}  // namespace
}  // namespace unmogrowp
