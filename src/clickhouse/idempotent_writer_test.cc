#include "clickhouse/idempotent_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "clickhouse/clickhouse_test_util.h"
#include "clickhouse/row_binary.h"

namespace unmogrowp {
namespace {

constexpr const char* kCreateEvents =
    "CREATE TABLE events (src_partition Int32, src_offset UInt64, d Date, app String, value "
    "UInt64) ENGINE = MergeTree() PARTITION BY toYYYYMM(d) ORDER BY (src_partition, src_offset)";
constexpr const char* kCreateSums =
    "CREATE TABLE app_sums (app String, value UInt64, n UInt64) ENGINE = SummingMergeTree() "
    "ORDER BY app";
constexpr const char* kCreateSumsView =
    "CREATE MATERIALIZED VIEW app_sums_mv TO app_sums AS SELECT app, sum(value) AS value, count() "
    "AS n FROM events GROUP BY app";

std::string AppOf(uint64_t offset) { return "app" + std::to_string(offset % 3); }
uint64_t ValueOf(uint64_t offset, int k) { return offset * 10 + static_cast<uint64_t>(k); }

// Rows of offsets [from, to), `per_offset` rows each. Dates span two months,
// so one insert lands in two table partitions.
std::vector<EncodedRow> Rows(int32_t partition, uint64_t from, uint64_t to, int per_offset = 1) {
  std::vector<EncodedRow> rows;
  for (uint64_t offset = from; offset < to; ++offset) {
    for (int k = 0; k < per_offset; ++k) {
      RowBinaryWriter w;
      w.PutDate(static_cast<uint16_t>(19723 + offset % 60));  // from 2024-01-01
      w.PutString(AppOf(offset));
      w.PutUInt64(ValueOf(offset, k));
      rows.push_back({partition, offset, w.Release()});
    }
  }
  return rows;
}

// "count\tsum" of the rows of offsets [from, to) of one partition.
std::string Expected(uint64_t from, uint64_t to, int per_offset = 1) {
  uint64_t count = 0, sum = 0;
  for (uint64_t offset = from; offset < to; ++offset) {
    for (int k = 0; k < per_offset; ++k) {
      ++count;
      sum += ValueOf(offset, k);
    }
  }
  return std::to_string(count) + "\t" + std::to_string(sum);
}

// What the materialized view must hold for offsets [from, to): "app\tsum\tcount" lines.
std::string ExpectedSums(uint64_t from, uint64_t to, int per_offset = 1) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> sums;
  for (uint64_t offset = from; offset < to; ++offset) {
    for (int k = 0; k < per_offset; ++k) {
      sums[AppOf(offset)].first += ValueOf(offset, k);
      sums[AppOf(offset)].second += 1;
    }
  }
  std::string text;
  for (const auto& [app, s] : sums) {
    if (!text.empty()) text += "\n";
    text += app + "\t" + std::to_string(s.first) + "\t" + std::to_string(s.second);
  }
  return text;
}

class IdempotentWriterTest : public ClickHouseTest {
 protected:
  void SetUp() override {
    ClickHouseTest::SetUp();
    if (HasFatalFailure()) return;
    UM_ASSERT_OK(client_->Execute(kCreateEvents));
    UM_ASSERT_OK(client_->Execute(kCreateSums));
    UM_ASSERT_OK(client_->Execute(kCreateSumsView));
  }

  std::unique_ptr<IdempotentWriter> OpenWriter(ClickHouseClient& client,
                                               size_t max_rows = 500'000) {
    IdempotentWriterOptions options;
    options.database = database_;
    options.table = "events";
    options.columns = {"d", "app", "value"};
    options.max_rows_per_insert = max_rows;
    auto writer = IdempotentWriter::Open(client, options);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    return writer.ok() ? std::move(writer).value() : nullptr;
  }

  std::string CountAndSum(int32_t partition) {
    return Scalar("SELECT count(), sum(value) FROM events WHERE src_partition = " +
                  std::to_string(partition));
  }
  std::string Sums() {
    return Scalar("SELECT app, sum(value), sum(n) FROM app_sums GROUP BY app ORDER BY app");
  }
};

TEST_F(IdempotentWriterTest, RetriesAndOverlapsInsertNothingTwice) {
  auto writer = OpenWriter(*client_);
  ASSERT_NE(writer, nullptr);
  UM_ASSERT_OK(writer->Write(3, Rows(3, 0, 100)));
  EXPECT_EQ(CountAndSum(3), Expected(0, 100));
  EXPECT_EQ(writer->HighWaterMark(3), 99u);

  UM_ASSERT_OK(writer->Write(3, Rows(3, 0, 100)));   // the same again
  UM_ASSERT_OK(writer->Write(3, Rows(3, 50, 150)));  // overlapping
  UM_ASSERT_OK(writer->Write(3, Rows(3, 10, 20)));   // wholly old
  EXPECT_EQ(CountAndSum(3), Expected(0, 150));
  EXPECT_EQ(writer->HighWaterMark(3), 149u);
  EXPECT_EQ(Sums(), ExpectedSums(0, 150));
  EXPECT_EQ(Scalar("SELECT count() FROM (SELECT src_offset FROM events GROUP BY src_offset "
                   "HAVING count() > 1)"),
            "0");
}

TEST_F(IdempotentWriterTest, AFreshWriterPicksUpTheMark) {
  {
    auto writer = OpenWriter(*client_);
    ASSERT_NE(writer, nullptr);
    UM_ASSERT_OK(writer->Write(0, Rows(0, 0, 100)));
  }
  auto restarted = OpenWriter(*client_);
  ASSERT_NE(restarted, nullptr);
  EXPECT_EQ(restarted->HighWaterMark(0), std::nullopt);  // not read before the first write
  UM_ASSERT_OK(restarted->Write(0, Rows(0, 40, 200)));
  EXPECT_EQ(restarted->HighWaterMark(0), 199u);
  EXPECT_EQ(CountAndSum(0), Expected(0, 200));
  EXPECT_EQ(Sums(), ExpectedSums(0, 200));
}

TEST_F(IdempotentWriterTest, OffsetZeroIsNotMistakenForAnEmptyPartition) {
  auto writer = OpenWriter(*client_);
  ASSERT_NE(writer, nullptr);
  UM_ASSERT_OK(writer->Write(1, Rows(1, 0, 1)));
  auto restarted = OpenWriter(*client_);
  ASSERT_NE(restarted, nullptr);
  UM_ASSERT_OK(restarted->Write(1, Rows(1, 0, 1)));  // max() is 0 either way; count() tells
  EXPECT_EQ(CountAndSum(1), Expected(0, 1));
  EXPECT_EQ(restarted->HighWaterMark(1), 0u);
}

TEST_F(IdempotentWriterTest, RowsSharingAnOffsetStayTogetherAcrossInserts) {
  // At most 4 rows per insert, 3 rows per offset: every insert holds one offset.
  auto writer = OpenWriter(*client_, /*max_rows=*/4);
  ASSERT_NE(writer, nullptr);
  UM_ASSERT_OK(writer->Write(2, Rows(2, 0, 30, 3)));
  UM_ASSERT_OK(writer->Write(2, Rows(2, 20, 40, 3)));
  EXPECT_EQ(CountAndSum(2), Expected(0, 40, 3));
  auto restarted = OpenWriter(*client_, 1000);
  ASSERT_NE(restarted, nullptr);
  UM_ASSERT_OK(restarted->Write(2, Rows(2, 0, 41, 3)));
  EXPECT_EQ(CountAndSum(2), Expected(0, 41, 3));
  EXPECT_EQ(Sums(), ExpectedSums(0, 41, 3));
}

TEST_F(IdempotentWriterTest, PartitionsAreIndependentAndMayRunConcurrently) {
  auto writer = OpenWriter(*client_, 50);
  ASSERT_NE(writer, nullptr);
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int32_t p = 0; p < 4; ++p) {
    threads.emplace_back([&, p] {
      for (uint64_t start = 0; start < 400; start += 100) {
        Status s = writer->Write(p, Rows(p, start > 0 ? start - 30 : 0, start + 100));
        if (!s.ok()) results[p] = s;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int32_t p = 0; p < 4; ++p) {
    EXPECT_TRUE(results[p].ok()) << results[p].ToString();
    EXPECT_EQ(CountAndSum(p), Expected(0, 400)) << "partition " << p;
  }
}

// A second writer of a partition (here: the process restarted while the old
// writer object lives on) drops the old one's write table, so the old one's
// next insert fails instead of landing; its retry then re-reads the mark.
TEST_F(IdempotentWriterTest, ANewWriterFencesTheOldWritersTable) {
  auto old_writer = OpenWriter(*client_);
  ASSERT_NE(old_writer, nullptr);
  UM_ASSERT_OK(old_writer->Write(5, Rows(5, 0, 50)));
  auto new_writer = OpenWriter(*client_);
  ASSERT_NE(new_writer, nullptr);
  UM_ASSERT_OK(new_writer->Write(5, Rows(5, 0, 80)));

  Status fenced = old_writer->Write(5, Rows(5, 50, 100));
  EXPECT_EQ(fenced.code(), StatusCode::kNotFound) << fenced.ToString();
  UM_ASSERT_OK(old_writer->Write(5, Rows(5, 50, 100)));
  EXPECT_EQ(CountAndSum(5), Expected(0, 100));
  EXPECT_EQ(Sums(), ExpectedSums(0, 100));
}

TEST_F(IdempotentWriterTest, ReleasePartitionDropsItsWriteTable) {
  auto writer = OpenWriter(*client_);
  ASSERT_NE(writer, nullptr);
  UM_ASSERT_OK(writer->Write(7, Rows(7, 0, 10)));
  EXPECT_EQ(Scalar("SELECT count() FROM system.tables WHERE database = '" + database_ +
                   "' AND engine = 'Buffer'"),
            "1");
  UM_ASSERT_OK(writer->ReleasePartition(7));
  EXPECT_EQ(Scalar("SELECT count() FROM system.tables WHERE database = '" + database_ +
                   "' AND engine = 'Buffer'"),
            "0");
  EXPECT_EQ(writer->HighWaterMark(7), std::nullopt);
  UM_ASSERT_OK(writer->Write(7, Rows(7, 5, 15)));
  EXPECT_EQ(CountAndSum(7), Expected(0, 15));
}

TEST_F(IdempotentWriterTest, RejectsBadRowsAndTables) {
  auto writer = OpenWriter(*client_);
  ASSERT_NE(writer, nullptr);
  auto unsorted = Rows(1, 0, 3);
  std::swap(unsorted[0], unsorted[2]);
  EXPECT_EQ(writer->Write(1, unsorted).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->Write(2, Rows(1, 0, 3)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->Write(-1, Rows(-1, 0, 3)).code(), StatusCode::kInvalidArgument);
  UM_ASSERT_OK(writer->Write(1, {}));
  EXPECT_EQ(Scalar("SELECT count() FROM events"), "0");

  IdempotentWriterOptions options;
  options.database = database_;
  options.table = "no_such_table";
  EXPECT_EQ(IdempotentWriter::Open(*client_, options).status().code(), StatusCode::kNotFound);
  options.table = "app_sums";  // no src_partition / src_offset
  auto no_columns = IdempotentWriter::Open(*client_, options);
  EXPECT_EQ(no_columns.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(no_columns.status().message().find("src_partition Int32"), std::string::npos)
      << no_columns.status().ToString();
  options.table = "events";
  options.columns = {"d", "nope"};
  EXPECT_EQ(IdempotentWriter::Open(*client_, options).status().code(),
            StatusCode::kFailedPrecondition);
  options.columns = {"src_offset"};
  EXPECT_EQ(IdempotentWriter::Open(*client_, options).status().code(),
            StatusCode::kInvalidArgument);
}

// The server stops (SIGSTOP) while an insert is on its way: the insert times
// out with Unavailable, and still lands once the server resumes -- after the
// writer's retry has begun. The retry must fence it and write each row once.
// A private server, since pausing the shared one would stall other tests.
TEST(IdempotentWriterOutageTest, InsertDuringAPauseThenRetryWritesEachRowOnce) {
  PrivateClickHouseServer server;
  ASSERT_TRUE(server.started());
  auto options = ParseClickHouseUrl(server.Url());
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  options->database = "outage";
  options->request_timeout = std::chrono::milliseconds(1000);
  ClickHouseClient client(*options);
  UM_ASSERT_OK(client.Execute("CREATE DATABASE outage", NoDatabase()));
  UM_ASSERT_OK(client.Execute(kCreateEvents));
  UM_ASSERT_OK(client.Execute(kCreateSums));
  UM_ASSERT_OK(client.Execute(kCreateSumsView));
  auto scalar = [&](const std::string& sql) {
    auto answer = client.Query(sql);
    return answer.ok() ? *answer : answer.status().ToString();
  };

  IdempotentWriterOptions writer_options;
  writer_options.database = "outage";
  writer_options.table = "events";
  writer_options.columns = {"d", "app", "value"};
  auto writer = IdempotentWriter::Open(client, writer_options);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  UM_ASSERT_OK((*writer)->Write(0, Rows(0, 0, 1000)));

  // Big enough to be worth a zombie, small enough to sit in socket buffers whole.
  const auto batch = Rows(0, 1000, 100'000);
  ASSERT_TRUE(server.Pause());
  Status during = (*writer)->Write(0, batch);
  EXPECT_EQ(during.code(), StatusCode::kUnavailable) << during.ToString();
  Status still = (*writer)->Write(0, batch);  // recovery cannot reach it either
  EXPECT_EQ(still.code(), StatusCode::kUnavailable) << still.ToString();
  ASSERT_TRUE(server.Resume());

  UM_ASSERT_OK((*writer)->Write(0, batch));
  UM_ASSERT_OK((*writer)->Write(0, Rows(0, 99'000, 100'500)));
  // Let anything the server still has in hand finish, then count.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (scalar("SELECT count() FROM system.processes WHERE query NOT LIKE '%system.processes%'") !=
             "0\n" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(scalar("SELECT count(), sum(value) FROM events"), Expected(0, 100'500) + "\n");
  EXPECT_EQ(scalar("SELECT app, sum(value), sum(n) FROM app_sums GROUP BY app ORDER BY app"),
            ExpectedSums(0, 100'500) + "\n");
}

}  // namespace
}  // namespace unmogrowp
