#include "log/log_reader.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>

#include "log/fault_injection_file_system.h"
#include "log/log_test_util.h"
#include "log/record_format.h"
#include "log/segment_index.h"
#include "log/segmented_log.h"

namespace unmogrowp {
namespace {

using testing::AppendAndWait;
using testing::MakeBatch;
using testing::MakePayloads;
using testing::Payloads;
using testing::ReadAll;
using testing::TempDir;

class LogReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SegmentedLog::Options options;
    options.dir = tmp_.Sub("log");
    options.segment_bytes = 500;
    options.file_system = &fs_;
    Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }

  TempDir tmp_;
  FaultInjectionFileSystem fs_{FileSystem::Default()};
  std::unique_ptr<SegmentedLog> log_;
};

TEST_F(LogReaderTest, OffsetThatIsNotARecordBoundaryIsInvalidArgument) {
  for (int g = 0; g < 10; ++g)
    ASSERT_TRUE(AppendAndWait(*log_, MakePayloads("r", 3, 30)).status.ok());
  // Rolls happen after callbacks run, so the last one may still be under way.
  ASSERT_GE(log_->SegmentBaseOffsets().size(), 2u);
  std::vector<testing::ReadRecord> records = ReadAll(*log_);
  ASSERT_EQ(records.size(), 30u);
  for (const auto& r : records) {
    EXPECT_TRUE(log_->NewReader(r.offset).ok()) << r.offset;
    for (uint64_t inside = r.offset + 1; inside < r.next_offset; inside += 5) {
      Result<std::unique_ptr<LogReader>> reader = log_->NewReader(inside);
      EXPECT_EQ(reader.status().code(), StatusCode::kInvalidArgument) << inside;
    }
  }
  Result<std::unique_ptr<LogReader>> bad = log_->NewReader(records[4].offset + 3);
  EXPECT_NE(bad.status().message().find("not a record boundary"), std::string::npos)
      << bad.status().ToString();
}

TEST_F(LogReaderTest, OffsetPastTheEndIsInvalidArgumentAndTheEndIsFine) {
  ASSERT_TRUE(AppendAndWait(*log_, {"one"}).status.ok());
  uint64_t end = log_->DurableEndOffset();
  EXPECT_EQ(log_->NewReader(end + 1).status().code(), StatusCode::kInvalidArgument);
  Result<std::unique_ptr<LogReader>> at_end = log_->NewReader(end);
  ASSERT_TRUE(at_end.ok());
  LogRecord record;
  Result<bool> next = (*at_end)->Next(&record);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(*next);
}

TEST_F(LogReaderTest, TailsAcrossSegmentRolls) {
  Result<std::unique_ptr<LogReader>> reader = log_->NewReader(0);
  ASSERT_TRUE(reader.ok());
  LogRecord record;
  Result<bool> next = (*reader)->Next(&record);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(*next);
  size_t segments_before = log_->SegmentBaseOffsets().size();
  for (int g = 0; g < 12; ++g) {
    std::vector<std::string> payloads = MakePayloads("t" + std::to_string(g), 2, 60);
    ASSERT_TRUE(AppendAndWait(*log_, payloads).status.ok());
    for (const std::string& expected : payloads) {
      next = (*reader)->Next(&record);
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      ASSERT_TRUE(*next);
      EXPECT_EQ(record.payload, expected);
    }
    next = (*reader)->Next(&record);
    ASSERT_TRUE(next.ok());
    EXPECT_FALSE(*next) << "caught up";
  }
  EXPECT_GE(log_->SegmentBaseOffsets().size(), segments_before + 2);
}

TEST_F(LogReaderTest, TailsUpToTheDurableEndWhileZerosArePrefilledAhead) {
  // The active segment's file is longer than its data: the writer keeps zeros
  // ahead. Readers must stop at the durable end, not at the file's end.
  Result<std::unique_ptr<LogReader>> reader = log_->NewReader(0);
  ASSERT_TRUE(reader.ok());
  LogRecord record;
  for (int g = 0; g < 12; ++g) {
    ASSERT_TRUE(AppendAndWait(*log_, {"z" + std::to_string(g)}).status.ok());
    Result<bool> next = (*reader)->Next(&record);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    ASSERT_TRUE(*next);
    EXPECT_EQ(record.payload, "z" + std::to_string(g));
    next = (*reader)->Next(&record);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_FALSE(*next) << "caught up at the durable end";
  }
  const uint64_t end = log_->DurableEndOffset();
  const uint64_t base = log_->SegmentBaseOffsets().back();
  ASSERT_GT(std::filesystem::file_size(SegmentFileName(tmp_.Sub("log"), base)), end - base);
  Result<std::unique_ptr<LogReader>> at_end = log_->NewReader(end);
  ASSERT_TRUE(at_end.ok()) << at_end.status().ToString();
  Result<bool> next = (*at_end)->Next(&record);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(*next);
  // Inside the zeros is past the end of the log, not an empty record.
  EXPECT_EQ(log_->NewReader(end + log_format::kHeaderBytes).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(LogReaderTest, NeverReturnsAWrittenButUnsyncedRecord) {
  ASSERT_TRUE(AppendAndWait(*log_, {"durable"}).status.ok());
  std::mutex mu;
  std::condition_variable cv;
  bool in_sync = false;
  bool release = false;
  fs_.SetSyncHook([&] {
    std::unique_lock<std::mutex> lock(mu);
    in_sync = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  std::promise<Status> done;
  log_->Append(MakeBatch({"not yet durable"}),
               [&done](const Status& s, uint64_t) { done.set_value(s); });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return in_sync; });
  }
  // The writer has written the record and is inside fdatasync.
  EXPECT_EQ(Payloads(ReadAll(*log_)), std::vector<std::string>{"durable"});
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_EQ(Payloads(ReadAll(*log_)), (std::vector<std::string>{"durable", "not yet durable"}));
  fs_.SetSyncHook(nullptr);
}

}  // namespace
}  // namespace unmogrowp
