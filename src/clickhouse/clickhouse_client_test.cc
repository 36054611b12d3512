#include "clickhouse/clickhouse_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "clickhouse/clickhouse_test_util.h"
#include "clickhouse/row_binary.h"

namespace unmogrowp {
namespace {

TEST_F(ClickHouseTest, QueryReturnsTheBody) {
  auto answer = client_->Query("SELECT 1 + 1, 'a\\tb'");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(*answer, "2\ta\\tb\n");
  EXPECT_EQ(Scalar("SELECT currentDatabase()"), database_);
}

TEST_F(ClickHouseTest, PerCallDatabaseAndSettings) {
  ClickHouseCall call;
  call.database = "system";
  call.settings = {{"max_threads", "3"}};
  auto answer = client_->Query("SELECT value FROM settings WHERE name = 'max_threads'", call);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(*answer, "3\n");

  ClickHouseCall unknown;
  unknown.settings = {{"no_such_setting_at_all", "1"}};
  auto refused = client_->Query("SELECT 1", unknown);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("no_such_setting_at_all"), std::string::npos)
      << refused.status().ToString();
}

// Every RowBinary type the encoder has, written with Insert and read back
// both as RowBinary and through ClickHouse's own functions.
TEST_F(ClickHouseTest, RowBinaryRoundTripOfEveryType) {
  UM_ASSERT_OK(client_->Execute(
      "CREATE TABLE all_types (id UInt8, u16 UInt16, u32 UInt32, u64 UInt64, i8 Int8, i16 Int16, "
      "i32 Int32, i64 Int64, f Float64, s String, d Date, dt DateTime, au Array(UInt32), "
      "a_s Array(String)) ENGINE = MergeTree() ORDER BY id"));
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  struct Row {
    uint8_t id;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    double f;
    std::string s;
    uint16_t d;
    uint32_t dt;
    std::vector<uint32_t> au;
    std::vector<std::string> a_s;
  };
  const std::vector<Row> rows = {
      {1, 0, 0, 0, 0, 0, 0, 0, 0.0, "", 0, 0, {}, {}},
      {2,
       65535,
       4294967295u,
       18446744073709551615ull,
       -128,
       -32768,
       -2147483647 - 1,
       -9223372036854775807ll - 1,
       -1.25e-300,
       "héllo, 世界 🚀",
       19800,
       1711000000,
       {1, 2, 3},
       {"", "ü", std::string("\0x", 2)}},
      {3,
       1,
       2,
       3,
       127,
       32767,
       2147483647,
       9223372036854775807ll,
       3.5,
       all_bytes,
       65535,
       4294967295u,
       {4294967295u},
       {all_bytes}},
  };
  RowBinaryWriter w;
  for (const Row& r : rows) {
    w.PutUInt8(r.id);
    w.PutUInt16(r.u16);
    w.PutUInt32(r.u32);
    w.PutUInt64(r.u64);
    w.PutInt8(r.i8);
    w.PutInt16(r.i16);
    w.PutInt32(r.i32);
    w.PutInt64(r.i64);
    w.PutFloat64(r.f);
    w.PutString(r.s);
    w.PutDate(r.d);
    w.PutDateTime(r.dt);
    w.PutArraySize(r.au.size());
    for (uint32_t v : r.au) w.PutUInt32(v);
    w.PutArraySize(r.a_s.size());
    for (const std::string& v : r.a_s) w.PutString(v);
  }
  UM_ASSERT_OK(client_->Insert(
      "INSERT INTO all_types (id, u16, u32, u64, i8, i16, i32, i64, f, s, d, dt, au, a_s) "
      "FORMAT RowBinary",
      w.data()));

  auto answer = client_->Query("SELECT * FROM all_types ORDER BY id FORMAT RowBinary");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  RowBinaryReader r(*answer);
  for (const Row& want : rows) {
    SCOPED_TRACE(static_cast<int>(want.id));
    EXPECT_EQ(*r.ReadUInt8(), want.id);
    EXPECT_EQ(*r.ReadUInt16(), want.u16);
    EXPECT_EQ(*r.ReadUInt32(), want.u32);
    EXPECT_EQ(*r.ReadUInt64(), want.u64);
    EXPECT_EQ(*r.ReadInt8(), want.i8);
    EXPECT_EQ(*r.ReadInt16(), want.i16);
    EXPECT_EQ(*r.ReadInt32(), want.i32);
    EXPECT_EQ(*r.ReadInt64(), want.i64);
    EXPECT_EQ(*r.ReadFloat64(), want.f);
    EXPECT_EQ(*r.ReadString(), want.s);
    EXPECT_EQ(*r.ReadDate(), want.d);
    EXPECT_EQ(*r.ReadDateTime(), want.dt);
    ASSERT_EQ(*r.ReadArraySize(), want.au.size());
    for (uint32_t v : want.au) EXPECT_EQ(*r.ReadUInt32(), v);
    ASSERT_EQ(*r.ReadArraySize(), want.a_s.size());
    for (const std::string& v : want.a_s) EXPECT_EQ(*r.ReadString(), v);
  }
  EXPECT_TRUE(r.AtEnd());

  // The server read the values as meant, not merely stored bytes.
  EXPECT_EQ(Scalar("SELECT toString(d), toString(dt), length(s), s = 'héllo, 世界 🚀', "
                   "arraySum(au), length(a_s[3]) FROM all_types WHERE id = 2"),
            "2024-03-18\t2024-03-21 05:46:40\t19\t1\t6\t2");
  EXPECT_EQ(Scalar("SELECT length(s), hex(substring(s, 1, 2)), hex(substring(s, 255, 2)) FROM "
                   "all_types WHERE id = 3"),
            "256\t0001\tFEFF");
  EXPECT_EQ(Scalar("SELECT length(s), empty(au), i8, u64 FROM all_types WHERE id = 1"),
            "0\t1\t0\t0");
}

TEST_F(ClickHouseTest, LargeInsertArrives) {
  UM_ASSERT_OK(
      client_->Execute("CREATE TABLE big (n UInt64, s String) ENGINE = MergeTree() ORDER BY n"));
  RowBinaryWriter w;
  const uint64_t kRows = 300'000;
  for (uint64_t n = 0; n < kRows; ++n) {
    w.PutUInt64(n);
    w.PutString("payload-payload-payload");
  }
  UM_ASSERT_OK(client_->Insert("INSERT INTO big (n, s) FORMAT RowBinary", w.data()));
  EXPECT_EQ(Scalar("SELECT count(), sum(n) FROM big"),
            std::to_string(kRows) + "\t" + std::to_string(kRows * (kRows - 1) / 2));
}

TEST_F(ClickHouseTest, SyntaxErrorCarriesClickHouseText) {
  auto answer = client_->Query("SELEC 1");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kInvalidArgument) << answer.status().ToString();
  EXPECT_NE(answer.status().message().find("Syntax error"), std::string::npos)
      << answer.status().ToString();
  EXPECT_NE(answer.status().message().find(options_.server), std::string::npos);
}

TEST_F(ClickHouseTest, ServerErrorsMapToCodes) {
  auto missing = client_->Query("SELECT * FROM no_such_table");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("no_such_table"), std::string::npos);

  // Fails after the first rows were produced: still an error, not a short body.
  auto midway = client_->Query(
      "SELECT throwIf(number = 500000) FROM system.numbers LIMIT 1000000 FORMAT RowBinary");
  ASSERT_FALSE(midway.ok());
  EXPECT_EQ(midway.status().code(), StatusCode::kInternal) << midway.status().ToString();
  EXPECT_NE(midway.status().message().find("throwIf"), std::string::npos);

  UM_ASSERT_OK(client_->Execute("CREATE TABLE t (n UInt64) ENGINE = MergeTree() ORDER BY n"));
  Status bad_rows = client_->Insert("INSERT INTO t (n) FORMAT RowBinary", "abc");
  ASSERT_FALSE(bad_rows.ok());
  EXPECT_NE(bad_rows.message().find("Cannot read all data"), std::string::npos)
      << bad_rows.ToString();
  EXPECT_EQ(Scalar("SELECT count() FROM t"), "0");
}

// A loopback port that nothing listens on (bound by the kernel, then closed).
int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(ClickHouseClientTest, NobodyListeningIsUnavailable) {
  const int port = UnusedPort();
  auto options = ParseClickHouseUrl("clickhouse://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(options.ok());
  ClickHouseClient client(*options);
  auto answer = client.Query("SELECT 1");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable) << answer.status().ToString();
  EXPECT_NE(answer.status().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << answer.status().ToString();
  Status insert = client.Insert("INSERT INTO t FORMAT RowBinary", "x");
  EXPECT_EQ(insert.code(), StatusCode::kUnavailable) << insert.ToString();
}

TEST_F(ClickHouseTest, SlowAnswerIsUnavailableAfterTheTimeout) {
  ClickHouseOptions options = options_;
  options.request_timeout = std::chrono::milliseconds(300);
  ClickHouseClient client(options);
  auto answer = client.Query("SELECT sleep(2)");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable) << answer.status().ToString();
  EXPECT_NE(answer.status().message().find(options.server), std::string::npos);
}

TEST_F(ClickHouseTest, ConcurrentCallsFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto answer = client_->Query("SELECT " + std::to_string(t * 1000 + i));
        if (!answer.ok() || *answer != std::to_string(t * 1000 + i) + "\n") ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace unmogrowp
