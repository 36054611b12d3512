// Recovery on Open (docs/formats/event-log.md, "Recovery"): torn tails are cut,
// corruption inside the synced region refuses to open. Also DumpLog, which
// applies the same rule read-only.

#include "log/recovery.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "log/dump_log.h"
#include "log/log_test_util.h"
#include "log/record_format.h"
#include "log/segment_index.h"
#include "log/segmented_log.h"

namespace unmogrowp {
namespace {

using testing::AppendAndWait;
using testing::AppendResult;
using testing::MakePayloads;
using testing::Payloads;
using testing::ReadAll;
using testing::ReadFileBytes;
using testing::TempDir;
using testing::WriteFileBytes;

constexpr size_t kPayloadBytes = 40;

class RecoveryTest : public ::testing::Test {
 protected:
  SegmentedLog::Options Options(uint64_t segment_bytes = 256 << 20) const {
    SegmentedLog::Options options;
    options.dir = dir_;
    options.segment_bytes = segment_bytes;
    return options;
  }

  // Writes `groups` write groups of `per_group` records each (each group is
  // waited for, so each is its own fdatasync), and closes the log. Returns the
  // payloads and fills group_offsets_.
  std::vector<std::string> WriteGroups(int groups, size_t per_group,
                                       uint64_t segment_bytes = 256 << 20) {
    std::vector<std::string> all;
    Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options(segment_bytes));
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    if (!log.ok()) return all;
    for (int g = 0; g < groups; ++g) {
      std::vector<std::string> payloads =
          MakePayloads("group" + std::to_string(g), per_group, kPayloadBytes);
      AppendResult r = AppendAndWait(**log, payloads);
      EXPECT_TRUE(r.status.ok()) << r.status.ToString();
      group_offsets_.push_back(r.first_offset);
      all.insert(all.end(), payloads.begin(), payloads.end());
    }
    EXPECT_TRUE((*log)->Close().ok());
    return all;
  }

  std::string Segment(uint64_t base = 0) const { return SegmentFileName(dir_, base); }

  TempDir tmp_;
  std::string dir_ = tmp_.Sub("log");
  std::vector<uint64_t> group_offsets_;
};

constexpr uint64_t kRecordBytes = log_format::kHeaderBytes + kPayloadBytes;

TEST_F(RecoveryTest, TornTailCutAtEveryByteOfTheLastRecord) {
  std::vector<std::string> payloads = WriteGroups(5, 1);
  const std::string original = ReadFileBytes(Segment());
  ASSERT_EQ(original.size(), 5 * kRecordBytes);
  const uint64_t last_start = 4 * kRecordBytes;
  std::vector<std::string> kept(payloads.begin(), payloads.end() - 1);

  for (uint64_t cut = last_start; cut < original.size(); ++cut) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    WriteFileBytes(Segment(), original.substr(0, cut));
    Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ((*log)->DurableEndOffset(), last_start);
    EXPECT_EQ(std::filesystem::file_size(Segment()), last_start);
    EXPECT_EQ(Payloads(ReadAll(**log)), kept);
    AppendResult r = AppendAndWait(**log, {"after-recovery"});
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.first_offset, last_start);
    std::vector<std::string> expected = kept;
    expected.push_back("after-recovery");
    EXPECT_EQ(Payloads(ReadAll(**log)), expected);
    ASSERT_TRUE((*log)->Close().ok());
  }
}

TEST_F(RecoveryTest, TornTailInsideAMultiRecordFinalGroupKeepsItsWholeRecords) {
  std::vector<std::string> payloads = WriteGroups(3, 4);
  const std::string original = ReadFileBytes(Segment());
  // Cut in the middle of the third record of the last group.
  uint64_t cut = group_offsets_[2] + 2 * kRecordBytes + 13;
  WriteFileBytes(Segment(), original.substr(0, cut));
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  std::vector<std::string> expected(payloads.begin(), payloads.begin() + 10);
  EXPECT_EQ(Payloads(ReadAll(**log)), expected);
}

TEST_F(RecoveryTest, ZeroFilledTailIsTruncated) {
  std::vector<std::string> payloads = WriteGroups(3, 2);
  const std::string original = ReadFileBytes(Segment());
  WriteFileBytes(Segment(), original + std::string(4096, '\0'));
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(Payloads(ReadAll(**log)), payloads);
  EXPECT_EQ(std::filesystem::file_size(Segment()), original.size());
}

TEST_F(RecoveryTest, ZeroPreallocationIsDroppedAtInfoNotWarn) {
  // What a process crash leaves behind: the writer's zero pre-allocation.
  std::vector<std::string> payloads = WriteGroups(3, 2);
  const std::string original = ReadFileBytes(Segment());
  const uint64_t zeros = 1536 << 10;
  WriteFileBytes(Segment(), original + std::string(zeros, '\0'));
  {
    testing::LogCapture capture;
    Result<RecoveredLog> recovered = RecoverLog(FileSystem::Default(), dir_, RecoveryMode::kRepair);
    ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
    EXPECT_EQ(recovered->end_offset, original.size());
    EXPECT_EQ(recovered->zero_tail_bytes, zeros);
    EXPECT_EQ(recovered->torn_bytes, 0u);
    EXPECT_TRUE(capture.At("warning").empty());
    std::vector<std::string> infos = capture.At("info");
    ASSERT_EQ(infos.size(), 1u);
    EXPECT_NE(infos[0].find("dropped the " + std::to_string(zeros) + "-byte zero pre-allocation"),
              std::string::npos)
        << infos[0];
    EXPECT_NE(infos[0].find("at byte " + std::to_string(original.size())), std::string::npos)
        << infos[0];
  }
  EXPECT_EQ(std::filesystem::file_size(Segment()), original.size());
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(Payloads(ReadAll(**log)), payloads);
}

TEST_F(RecoveryTest, TornRecordFollowedByZerosIsATornTail) {
  // A crash mid-write of the last group into the pre-allocation: some of its
  // bytes reached the disk, the rest of the pre-allocation is still zeros.
  std::vector<std::string> payloads = WriteGroups(3, 4);
  const std::string original = ReadFileBytes(Segment());
  const uint64_t cut = group_offsets_[2] + kRecordBytes + 13;
  std::string bytes = original.substr(0, cut) + std::string((1536 << 10) - cut, '\0');
  WriteFileBytes(Segment(), bytes);
  {
    testing::LogCapture capture;
    Result<RecoveredLog> recovered = RecoverLog(FileSystem::Default(), dir_, RecoveryMode::kRepair);
    ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
    const uint64_t kept = group_offsets_[2] + kRecordBytes;
    EXPECT_EQ(recovered->end_offset, kept);
    EXPECT_EQ(recovered->torn_bytes, bytes.size() - kept);
    EXPECT_EQ(recovered->zero_tail_bytes, 0u);
    std::vector<std::string> warnings = capture.At("warning");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("truncated torn tail"), std::string::npos) << warnings[0];
  }
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(Payloads(ReadAll(**log)),
            std::vector<std::string>(payloads.begin(), payloads.begin() + 9));
}

TEST_F(RecoveryTest, CorruptionBeforeSyncedGroupsIsFoundThroughAZeroTail) {
  // The evidence search still works when the segment ends in zeros.
  WriteGroups(4, 1);
  std::string bytes = ReadFileBytes(Segment());
  const uint64_t bad = group_offsets_[1];
  bytes[bad + 4] ^= 0x10;
  WriteFileBytes(Segment(), bytes + std::string(1 << 20, '\0'));
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_EQ(log.status().code(), StatusCode::kCorruption) << log.status().ToString();
  EXPECT_NE(log.status().message().find("valid records follow at byte " +
                                        std::to_string(group_offsets_[2])),
            std::string::npos)
      << log.status().message();
}

TEST_F(RecoveryTest, ZeroedLastGroupIsTruncated) {
  // File size reached the disk but the last group's data pages did not.
  std::vector<std::string> payloads = WriteGroups(3, 2);
  std::string bytes = ReadFileBytes(Segment());
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(group_offsets_[2]), bytes.end(), '\0');
  WriteFileBytes(Segment(), bytes);
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(Payloads(ReadAll(**log)),
            std::vector<std::string>(payloads.begin(), payloads.begin() + 4));
}

TEST_F(RecoveryTest, FinalRecordWithBadCrcRunningToEndIsTruncated) {
  std::vector<std::string> payloads = WriteGroups(3, 1);
  std::string bytes = ReadFileBytes(Segment());
  bytes[bytes.size() - 5] ^= 0x01;  // a payload bit of the last record
  WriteFileBytes(Segment(), bytes);
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(Payloads(ReadAll(**log)),
            std::vector<std::string>(payloads.begin(), payloads.end() - 1));
}

TEST_F(RecoveryTest, FlippedCrcBitFollowedByValidRecordsFailsWithCorruption) {
  WriteGroups(5, 1);
  std::string bytes = ReadFileBytes(Segment());
  const uint64_t bad = group_offsets_[1];
  bytes[bad + 4] ^= 0x10;  // a bit of record 2's stored CRC
  WriteFileBytes(Segment(), bytes);

  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_EQ(log.status().code(), StatusCode::kCorruption) << log.status().ToString();
  const std::string& message = log.status().message();
  EXPECT_NE(message.find(Segment()), std::string::npos) << message;
  EXPECT_NE(message.find("at byte " + std::to_string(bad)), std::string::npos) << message;
  EXPECT_NE(message.find("CRC mismatch"), std::string::npos) << message;
  EXPECT_NE(message.find("Refusing to start"), std::string::npos) << message;
  EXPECT_NE(message.find("truncate the file to " + std::to_string(bad)), std::string::npos)
      << message;
  // Nothing was cut.
  EXPECT_EQ(ReadFileBytes(Segment()), bytes);
  // DumpLog applies the same rule.
  Status dumped = DumpLog(dir_, [](const LogRecord&) {});
  EXPECT_EQ(dumped.code(), StatusCode::kCorruption);
}

TEST_F(RecoveryTest, CorruptPayloadInsideAnEarlierMultiRecordGroupFails) {
  WriteGroups(3, 4);
  std::string bytes = ReadFileBytes(Segment());
  // Second record of the first group; more records of its group and two later
  // groups follow.
  const uint64_t bad = group_offsets_[0] + kRecordBytes;
  bytes[bad + log_format::kHeaderBytes + 3] ^= 0x40;
  WriteFileBytes(Segment(), bytes);
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_EQ(log.status().code(), StatusCode::kCorruption);
  EXPECT_NE(log.status().message().find("at byte " + std::to_string(bad)), std::string::npos)
      << log.status().message();
}

TEST_F(RecoveryTest, BadRecordInsideTheFinalGroupIsTreatedAsTorn) {
  // Documented limit: inside the last write group, damage is indistinguishable
  // from a torn write, so the rest of the group is dropped.
  std::vector<std::string> payloads = WriteGroups(2, 4);
  std::string bytes = ReadFileBytes(Segment());
  bytes[group_offsets_[1] + kRecordBytes + 4] ^= 0x01;
  WriteFileBytes(Segment(), bytes);
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(Payloads(ReadAll(**log)),
            std::vector<std::string>(payloads.begin(), payloads.begin() + 5));
}

TEST_F(RecoveryTest, MissingMiddleSegmentFails) {
  WriteGroups(12, 2, /*segment_bytes=*/300);
  std::vector<uint64_t> bases;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (auto base = ParseSegmentFileName(entry.path().filename().string())) bases.push_back(*base);
  }
  std::sort(bases.begin(), bases.end());
  ASSERT_GE(bases.size(), 3u);
  std::filesystem::remove(Segment(bases[1]));
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options(300));
  ASSERT_EQ(log.status().code(), StatusCode::kCorruption);
  EXPECT_NE(log.status().message().find("not contiguous"), std::string::npos)
      << log.status().message();
  EXPECT_NE(log.status().message().find(Segment(bases[0])), std::string::npos);
}

TEST_F(RecoveryTest, CorruptionInAnOlderSegmentIsReportedByReaders) {
  std::vector<std::string> payloads = WriteGroups(12, 2, /*segment_bytes=*/300);
  std::string bytes = ReadFileBytes(Segment(0));
  bytes[kRecordBytes + 4] ^= 0x01;  // CRC of the second record of segment 0
  WriteFileBytes(Segment(0), bytes);
  // Open scans only the last segment.
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(Options(300));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  Result<std::unique_ptr<LogReader>> reader = (*log)->NewReader(0);
  ASSERT_TRUE(reader.ok());
  LogRecord record;
  Result<bool> first = (*reader)->Next(&record);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(record.payload, payloads[0]);
  Result<bool> second = (*reader)->Next(&record);
  ASSERT_EQ(second.status().code(), StatusCode::kCorruption);
  EXPECT_NE(second.status().message().find(Segment(0)), std::string::npos);
  EXPECT_NE(second.status().message().find("at byte " + std::to_string(kRecordBytes)),
            std::string::npos)
      << second.status().message();
  log->reset();
  EXPECT_EQ(DumpLog(dir_, [](const LogRecord&) {}).code(), StatusCode::kCorruption);
}

TEST_F(RecoveryTest, DumpLogReadsEverythingReadOnlyAndStopsAtATornTail) {
  std::vector<std::string> payloads = WriteGroups(12, 2, /*segment_bytes=*/300);
  std::vector<uint64_t> bases;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (auto base = ParseSegmentFileName(entry.path().filename().string())) bases.push_back(*base);
  }
  std::sort(bases.begin(), bases.end());
  std::string last = ReadFileBytes(Segment(bases.back()));
  std::string torn = last + std::string("\x10\x00\x00\x80garbage", 11);
  WriteFileBytes(Segment(bases.back()), torn);

  std::vector<std::string> dumped;
  uint64_t expected_offset = 0;
  Status status = DumpLog(dir_, [&](const LogRecord& record) {
    EXPECT_EQ(record.offset, expected_offset);
    expected_offset = record.next_offset;
    dumped.emplace_back(record.payload);
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(dumped, payloads);
  EXPECT_EQ(ReadFileBytes(Segment(bases.back())), torn);  // not truncated
}

TEST_F(RecoveryTest, DumpLogStopsAtAZeroTailAndLeavesIt) {
  std::vector<std::string> payloads = WriteGroups(12, 2, /*segment_bytes=*/300);
  std::vector<uint64_t> bases;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (auto base = ParseSegmentFileName(entry.path().filename().string())) bases.push_back(*base);
  }
  std::sort(bases.begin(), bases.end());
  std::string with_tail = ReadFileBytes(Segment(bases.back())) + std::string(4096, '\0');
  WriteFileBytes(Segment(bases.back()), with_tail);
  std::vector<std::string> dumped;
  Status status =
      DumpLog(dir_, [&](const LogRecord& record) { dumped.emplace_back(record.payload); });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(dumped, payloads);
  EXPECT_EQ(ReadFileBytes(Segment(bases.back())), with_tail);
}

TEST_F(RecoveryTest, DumpLogOfMissingDirectoryFails) {
  EXPECT_FALSE(DumpLog(tmp_.Sub("nope"), [](const LogRecord&) {}).ok());
}

TEST_F(RecoveryTest, RecoverLogOfEmptyDirectoryHasNoSegments) {
  std::filesystem::create_directory(dir_);
  Result<RecoveredLog> recovered = RecoverLog(FileSystem::Default(), dir_, RecoveryMode::kRepair);
  ASSERT_TRUE(recovered.ok());
  EXPECT_TRUE(recovered->segment_bases.empty());
  EXPECT_EQ(recovered->end_offset, 0u);
}

}  // namespace
}  // namespace unmogrowp
