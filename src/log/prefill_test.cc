// Zero pre-allocation of the active segment (docs/formats/event-log.md, "Zero
// pre-allocation", "Segment roll", "Close"): the writer keeps zeros ahead of
// the data end while groups are small, nothing reads them, a clean Close cuts
// them, and a crash at any step of a roll or a Close loses nothing
// acknowledged and makes recovery warn about nothing.

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "log/buffered_file_reader.h"
#include "log/dump_log.h"
#include "log/fault_injection_file_system.h"
#include "log/log_test_util.h"
#include "log/record_format.h"
#include "log/recovery.h"
#include "log/segment_index.h"
#include "log/segmented_log.h"

namespace unmogrowp {
namespace {

using testing::AppendAndWait;
using testing::AppendResult;
using testing::LogCapture;
using testing::MakePayloads;
using testing::Payloads;
using testing::ReadAll;
using testing::ReadFileBytes;
using testing::TempDir;

constexpr uint64_t kChunk = 64 << 10;

double PrefilledBytes(prometheus::Registry& registry) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name == "unmogrowp_log_prefilled_bytes_total") return family.metric[0].counter.value;
  }
  ADD_FAILURE() << "no unmogrowp_log_prefilled_bytes_total";
  return -1;
}

bool AllZero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

class PrefillTest : public ::testing::Test {
 protected:
  SegmentedLog::Options Options(uint64_t segment_bytes = 256 << 20) {
    SegmentedLog::Options options;
    options.dir = dir_;
    options.segment_bytes = segment_bytes;
    options.prefill_chunk_bytes = kChunk;
    options.file_system = &fs_;
    return options;
  }

  std::unique_ptr<SegmentedLog> Open(const SegmentedLog::Options& options) {
    Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  std::string ActiveSegment(const SegmentedLog& log) const {
    return SegmentFileName(dir_, log.SegmentBaseOffsets().back());
  }

  TempDir tmp_;
  std::string dir_ = tmp_.Sub("log");
  FaultInjectionFileSystem fs_{FileSystem::Default()};
};

TEST_F(PrefillTest, KeepsZerosAheadOfTheDataEndWhileGroupsAreSmall) {
  prometheus::Registry registry;
  SegmentedLog::Options options = Options();
  options.metrics = &registry;
  std::unique_ptr<SegmentedLog> log = Open(options);
  std::vector<std::string> all;
  for (int g = 0; g < 400; ++g) {
    std::vector<std::string> payloads = MakePayloads("s" + std::to_string(g), 3, 100);
    ASSERT_TRUE(AppendAndWait(*log, payloads).status.ok());
    all.insert(all.end(), payloads.begin(), payloads.end());
  }
  // The pre-fill after the second-to-last group finished before the last
  // group's fdatasync, and it leaves at least half a chunk ahead.
  const uint64_t end = log->DurableEndOffset();
  const std::string bytes = ReadFileBytes(ActiveSegment(*log));
  EXPECT_GT(bytes.size(), end);
  EXPECT_LT(bytes.size(), end + kChunk + kChunk / 2);
  EXPECT_TRUE(AllZero(std::string_view(bytes).substr(end)));
  EXPECT_GT(PrefilledBytes(registry), static_cast<double>(end));  // topped up as it went
  EXPECT_EQ(Payloads(ReadAll(*log)), all);
}

TEST_F(PrefillTest, CloseCutsTheZeroTailSoARestartFindsNone) {
  std::unique_ptr<SegmentedLog> log = Open(Options());
  for (int g = 0; g < 5; ++g)
    ASSERT_TRUE(AppendAndWait(*log, {"r" + std::to_string(g)}).status.ok());
  const std::string segment = ActiveSegment(*log);
  ASSERT_TRUE(AppendAndWait(*log, {"last"}).status.ok());
  ASSERT_GT(std::filesystem::file_size(segment), log->DurableEndOffset());
  ASSERT_TRUE(log->Close().ok());
  EXPECT_EQ(std::filesystem::file_size(segment), log->DurableEndOffset());
  EXPECT_EQ(fs_.SyncedPosition(segment), log->DurableEndOffset());  // the cut was synced
  log.reset();

  Result<RecoveredLog> recovered = RecoverLog(FileSystem::Default(), dir_, RecoveryMode::kRepair);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->zero_tail_bytes, 0u);
  EXPECT_EQ(recovered->torn_bytes, 0u);
}

TEST_F(PrefillTest, PrefillsOnlyWhileGroupsAreSmall) {
  prometheus::Registry registry;
  SegmentedLog::Options options = Options();
  options.metrics = &registry;
  std::unique_ptr<SegmentedLog> log = Open(options);
  const std::string segment = ActiveSegment(*log);
  // Batch ingest: 40 KiB groups. A pre-fill after group k would show by the
  // time group k+1 is acknowledged.
  auto big_groups = [&](const std::string& prefix, int n) {
    for (int g = 0; g < n; ++g) {
      ASSERT_TRUE(
          AppendAndWait(*log, MakePayloads(prefix + std::to_string(g), 40, 1024)).status.ok());
    }
  };
  big_groups("big", 10);
  EXPECT_EQ(PrefilledBytes(registry), 0);
  EXPECT_EQ(std::filesystem::file_size(segment), log->DurableEndOffset());

  // Single events: the moving average drops under the threshold within a few
  // groups and pre-filling starts.
  for (int g = 0; g < 10; ++g) ASSERT_TRUE(AppendAndWait(*log, {"small"}).status.ok());
  const double after_small = PrefilledBytes(registry);
  EXPECT_GT(after_small, 0);
  EXPECT_GT(std::filesystem::file_size(segment), log->DurableEndOffset());

  // Back to batches: once the average has caught up (about 11 groups from
  // here), no more zeros, however much is written.
  big_groups("again", 20);
  const double settled = PrefilledBytes(registry);
  big_groups("more", 10);
  EXPECT_EQ(PrefilledBytes(registry), settled);
  EXPECT_EQ(std::filesystem::file_size(segment), log->DurableEndOffset());
}

TEST_F(PrefillTest, OffWhenChunkIsZero) {
  SegmentedLog::Options options = Options();
  options.prefill_chunk_bytes = 0;
  std::unique_ptr<SegmentedLog> log = Open(options);
  for (int g = 0; g < 5; ++g)
    ASSERT_TRUE(AppendAndWait(*log, {"r" + std::to_string(g)}).status.ok());
  EXPECT_EQ(std::filesystem::file_size(ActiveSegment(*log)), log->DurableEndOffset());
}

TEST_F(PrefillTest, NeverPrefillsPastSegmentBytesSoRolledSegmentsEndAtARecord) {
  constexpr uint64_t kSegmentBytes = 5000;
  std::unique_ptr<SegmentedLog> log = Open(Options(kSegmentBytes));
  std::vector<std::string> all;
  for (int g = 0; g < 60; ++g) {
    std::vector<std::string> payloads = MakePayloads("g" + std::to_string(g), 2, 150);
    ASSERT_TRUE(AppendAndWait(*log, payloads).status.ok());
    all.insert(all.end(), payloads.begin(), payloads.end());
    const uint64_t base = log->SegmentBaseOffsets().back();
    const uint64_t size = std::filesystem::file_size(SegmentFileName(dir_, base));
    EXPECT_LE(size, std::max(kSegmentBytes, log->DurableEndOffset() - base)) << "group " << g;
  }
  ASSERT_TRUE(log->Close().ok());
  std::vector<uint64_t> bases = log->SegmentBaseOffsets();
  ASSERT_GE(bases.size(), 3u);
  bases.push_back(log->DurableEndOffset());
  for (size_t i = 0; i + 1 < bases.size(); ++i) {
    EXPECT_EQ(std::filesystem::file_size(SegmentFileName(dir_, bases[i])), bases[i + 1] - bases[i]);
  }
  log.reset();
  log = Open(Options(kSegmentBytes));
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(Payloads(ReadAll(*log)), all);
}

TEST_F(PrefillTest, DumpLogOfALiveLogStopsAtItsZeroTail) {
  std::unique_ptr<SegmentedLog> log = Open(Options());
  std::vector<std::string> all;
  for (int g = 0; g < 4; ++g) {
    std::vector<std::string> payloads = MakePayloads("d" + std::to_string(g), 3, 50);
    ASSERT_TRUE(AppendAndWait(*log, payloads).status.ok());
    all.insert(all.end(), payloads.begin(), payloads.end());
  }
  const std::string segment = ActiveSegment(*log);
  ASSERT_GT(std::filesystem::file_size(segment), log->DurableEndOffset());
  std::vector<std::string> dumped;
  Status status =
      DumpLog(dir_, [&](const LogRecord& record) { dumped.emplace_back(record.payload); });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(dumped, all);
  EXPECT_GT(std::filesystem::file_size(segment), log->DurableEndOffset());  // left alone
}

TEST_F(PrefillTest, DumpLogIsNotFooledByGroupsWrittenIntoTheZeroTailWhileItScans) {
  // DumpLog takes no lock. A live writer's next groups land inside the zero
  // tail, possibly after DumpLog read the start of that tail as zeros and
  // before it reads further: a later group-start record then looks like
  // evidence of synced data after a bad record. It must be taken for the end
  // of a live log, not for corruption.
  std::filesystem::create_directories(dir_);
  const std::string segment = SegmentFileName(dir_, 0);
  std::string bytes;
  std::vector<std::string> durable;
  while (bytes.size() + 108 < BufferedFileReader::kDefaultReadAhead) {
    durable.push_back("durable-" + std::to_string(durable.size()));
    durable.back().resize(100, 'x');
    const size_t start = bytes.size();
    log_format::AppendRecord(durable.back(), &bytes);
    log_format::MarkGroupStart(bytes.data() + start);
  }
  const uint64_t end = bytes.size();
  bytes.append(4 << 20, '\0');
  testing::WriteFileBytes(segment, bytes);

  // What the writer appends meanwhile: a group of more than one read-ahead
  // buffer, then another group.
  std::string groups;
  for (int i = 0; i < 11; ++i) log_format::AppendRecord(std::string(100000, 'g'), &groups);
  log_format::MarkGroupStart(groups.data());
  const size_t next_group = groups.size();
  log_format::AppendRecord("next group", &groups);
  log_format::MarkGroupStart(groups.data() + next_group);
  bool written = false;
  fs_.SetReadHook([&](const std::string& path, uint64_t offset) {
    // Once the scan has buffered [end, end + read-ahead) as zeros.
    if (written || path != segment || offset < end + BufferedFileReader::kDefaultReadAhead) return;
    written = true;
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(end));
    file.write(groups.data(), static_cast<std::streamsize>(groups.size()));
    ASSERT_TRUE(file.good());
  });

  LogCapture capture;
  std::vector<std::string> dumped;
  Status status = DumpLog(
      dir_, [&](const LogRecord& record) { dumped.emplace_back(record.payload); }, &fs_);
  fs_.SetReadHook(nullptr);
  ASSERT_TRUE(written) << "the scan never read past the buffered zeros";
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(dumped, durable);
  bool noticed = false;
  for (const std::string& info : capture.At("info")) {
    noticed = noticed || info.find("is being written") != std::string::npos;
  }
  EXPECT_TRUE(noticed);
}

TEST_F(PrefillTest, FailedPrefillFailsTheLog) {
  std::unique_ptr<SegmentedLog> log = Open(Options());
  fs_.CrashAfterChanges(2);  // the first group's write and fdatasync; its pre-fill fails
  EXPECT_TRUE(AppendAndWait(*log, {"durable"}).status.ok());
  EXPECT_EQ(AppendAndWait(*log, {"refused"}).status.code(), StatusCode::kUnavailable);
  EXPECT_NE(log->Health().message().find("pre-filling the segment with zeros"), std::string::npos)
      << log->Health().ToString();
  fs_.CrashAfterChanges(-1);
  log.reset();
  log = Open(Options());
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(Payloads(ReadAll(*log)), std::vector<std::string>{"durable"});
}

TEST_F(PrefillTest, ProcessCrashLeavesAZeroTailThatRestartDropsQuietly) {
  std::unique_ptr<SegmentedLog> log = Open(Options());
  std::vector<std::string> all;
  for (int g = 0; g < 6; ++g) {
    std::vector<std::string> payloads = MakePayloads("p" + std::to_string(g), 4, 80);
    ASSERT_TRUE(AppendAndWait(*log, payloads).status.ok());
    all.insert(all.end(), payloads.begin(), payloads.end());
  }
  const uint64_t end = log->DurableEndOffset();
  fs_.CrashAfterChanges(0);  // dies before Close can cut the tail
  EXPECT_FALSE(log->Close().ok());
  log.reset();
  fs_.CrashAfterChanges(-1);
  ASSERT_GT(std::filesystem::file_size(SegmentFileName(dir_, 0)), end);

  LogCapture capture;
  log = Open(Options());
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->DurableEndOffset(), end);
  EXPECT_EQ(Payloads(ReadAll(*log)), all);
  ASSERT_TRUE(log->Close().ok());
  EXPECT_TRUE(capture.At("warning").empty());
  bool dropped = false;
  for (const std::string& info : capture.At("info")) {
    dropped = dropped || info.find("zero pre-allocation") != std::string::npos;
  }
  EXPECT_TRUE(dropped);
}

// How the test machine "dies" at the chosen step.
enum class Crash {
  kProcess,         // kill -9: everything written stays (the page cache survives)
  kPowerLossCut,    // unsynced bytes lost, file sizes back to the synced ones
  kPowerLossZeros,  // unsynced bytes lost, file sizes kept (pages read as zeros)
};

TEST_F(PrefillTest, CrashAtEveryStepOfARollAndCloseLosesNothingAcknowledged) {
  // 540-byte groups in 2000-byte segments with 1 KiB chunks: groups 0-3 fill
  // segment 0 (pre-filled twice, up to exactly 2000 bytes), the roll follows
  // group 3, groups 4-6 go to the pre-filled segment 1, then Close cuts its
  // tail. Step n crashes the n-th file system change after Open: each write,
  // pre-fill, fdatasync, file creation, directory fsync and truncation.
  constexpr int kGroups = 7;
  for (Crash crash : {Crash::kProcess, Crash::kPowerLossCut, Crash::kPowerLossZeros}) {
    bool reached_the_end = false;
    for (int step = 0; !reached_the_end; ++step) {
      SCOPED_TRACE("crash mode " + std::to_string(static_cast<int>(crash)) + " at change " +
                   std::to_string(step));
      ASSERT_LT(step, 100) << "the sequence never completes";
      TempDir tmp;
      FaultInjectionFileSystem fs(FileSystem::Default());
      SegmentedLog::Options options;
      options.dir = tmp.Sub("log");
      options.file_system = &fs;
      options.segment_bytes = 2000;
      options.prefill_chunk_bytes = 1024;

      std::vector<std::string> appended;
      size_t acknowledged = 0;
      {
        Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(options);
        ASSERT_TRUE(log.ok()) << log.status().ToString();
        fs.CrashAfterChanges(step);
        for (int g = 0; g < kGroups; ++g) {
          std::vector<std::string> payloads = MakePayloads("g" + std::to_string(g), 5, 100);
          AppendResult r = AppendAndWait(**log, payloads);
          appended.insert(appended.end(), payloads.begin(), payloads.end());
          if (r.status.ok()) {
            ASSERT_EQ(acknowledged, appended.size() - payloads.size()) << "acked after a failure";
            acknowledged = appended.size();
          }
        }
        Status closed = (*log)->Close();
        reached_the_end = !fs.crashed();
        if (reached_the_end) {
          EXPECT_TRUE(closed.ok()) << closed.ToString();
          EXPECT_EQ((*log)->SegmentBaseOffsets().size(), 2u);
        }
      }
      fs.CrashAfterChanges(-1);
      if (crash == Crash::kPowerLossCut) {
        ASSERT_TRUE(fs.DropUnsyncedData(FaultInjectionFileSystem::UnsyncedTail::kCut).ok());
      } else if (crash == Crash::kPowerLossZeros) {
        ASSERT_TRUE(fs.DropUnsyncedData(FaultInjectionFileSystem::UnsyncedTail::kZeros).ok());
      }

      LogCapture capture;
      {
        Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(options);
        ASSERT_TRUE(log.ok()) << log.status().ToString();
        std::vector<std::string> read = Payloads(ReadAll(**log));
        // Every acknowledged record, in order; unacknowledged ones may follow.
        ASSERT_GE(read.size(), acknowledged);
        ASSERT_LE(read.size(), appended.size());
        EXPECT_TRUE(std::equal(read.begin(), read.end(), appended.begin()));
        ASSERT_TRUE(AppendAndWait(**log, {"after restart"}).status.ok());
        ASSERT_TRUE((*log)->Close().ok());
        // A clean Close leaves every segment ending at its last record.
        std::vector<uint64_t> bases = (*log)->SegmentBaseOffsets();
        EXPECT_EQ(std::filesystem::file_size(SegmentFileName(options.dir, bases.back())),
                  (*log)->DurableEndOffset() - bases.back());
      }
      // A crash is not a reason to warn: the fault injector never tears a
      // group in half, so all recovery meets is zero tails.
      EXPECT_TRUE(capture.At("warning").empty()) << capture.At("warning").front();
      Result<RecoveredLog> recovered =
          RecoverLog(FileSystem::Default(), options.dir, RecoveryMode::kReadOnly);
      ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
      EXPECT_EQ(recovered->zero_tail_bytes + recovered->torn_bytes, 0u);
    }
  }
}

}  // namespace
}  // namespace unmogrowp
