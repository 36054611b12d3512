// SegmentedLog::Roll and ::Redact (docs/formats/event-log.md, "Redaction and
// dropped segments"): records wiped in place at unchanged offsets, leading
// segments dropped, crash safety of the rewrite, and redaction beside appends.

#include "log/redaction.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <limits>
#include <set>
#include <thread>

#include "event/log_payload.h"
#include "log/dump_log.h"
#include "log/fault_injection_file_system.h"
#include "log/log_test_util.h"
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
using testing::ReadRecord;
using testing::TempDir;

constexpr uint64_t kAll = std::numeric_limits<uint64_t>::max();
constexpr size_t kPayloadBytes = 40;
// Each group is one record per device (3 x 48 framed bytes), so a segment
// rolls after 4 groups.
constexpr uint64_t kSegmentBytes = 500;
constexpr int kDevices = 3;

SegmentedLog::Options OptionsFor(const std::string& dir, FileSystem* fs = FileSystem::Default()) {
  SegmentedLog::Options options;
  options.dir = dir;
  options.segment_bytes = kSegmentBytes;
  options.file_system = fs;
  return options;
}

std::unique_ptr<SegmentedLog> OpenOrDie(const SegmentedLog::Options& options) {
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

// Appends `groups` groups, each one event per device "dev<d>-g<group>-...".
void AppendDeviceGroups(SegmentedLog& log, int groups, int first_group = 0) {
  for (int g = first_group; g < first_group + groups; ++g) {
    std::vector<std::string> payloads;
    for (int d = 0; d < kDevices; ++d) {
      std::vector<std::string> one =
          MakePayloads("dev" + std::to_string(d) + "-g" + std::to_string(g), 1, kPayloadBytes);
      payloads.push_back(one[0]);
    }
    AppendResult r = AppendAndWait(log, payloads);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  }
}

std::function<bool(const LogRecord&)> DeviceIs(const std::string& device) {
  return [prefix = device + "-"](const LogRecord& record) {
    return record.payload.substr(0, prefix.size()) == prefix;
  };
}

bool Everything(const LogRecord&) { return true; }

std::string Redacted(size_t size) {
  std::string payload(size, 'x');
  RedactPayload(payload.data(), payload.size());
  return payload;
}

bool IsRedacted(const std::string& payload) {
  return !payload.empty() && payload == Redacted(payload.size());
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

bool HasTempFile(const std::string& dir) {
  for (const std::string& name : FilesIn(dir)) {
    if (name.find(".redact") != std::string::npos) return true;
  }
  return false;
}

// Every record of `after` is the record of `before` at the same offset, or,
// where `redacted(offset)`, its redacted form of the same length.
void ExpectSameOrRedacted(const std::vector<ReadRecord>& before,
                          const std::vector<ReadRecord>& after,
                          const std::function<bool(const ReadRecord&)>& redacted) {
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i) + " at offset " + std::to_string(before[i].offset));
    EXPECT_EQ(after[i].offset, before[i].offset);
    EXPECT_EQ(after[i].next_offset, before[i].next_offset);
    if (redacted(before[i])) {
      EXPECT_EQ(after[i].payload, Redacted(before[i].payload.size()));
    } else {
      EXPECT_EQ(after[i].payload, before[i].payload);
    }
  }
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

TEST(RedactionTest, RollSealsTheActiveSegmentOnlyWhenItHoldsRecords) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp.Sub("log")));
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Roll().ok());
  EXPECT_EQ(log->SegmentBaseOffsets(), std::vector<uint64_t>{0});
  AppendDeviceGroups(*log, 1);
  ASSERT_TRUE(log->Roll().ok());
  EXPECT_EQ(log->SegmentBaseOffsets(), (std::vector<uint64_t>{0, log->DurableEndOffset()}));
  ASSERT_TRUE(log->Roll().ok());
  EXPECT_EQ(log->SegmentBaseOffsets().size(), 2u);
  ASSERT_TRUE(log->Close().ok());
  EXPECT_EQ(log->Roll().code(), StatusCode::kUnavailable);
}

TEST(RedactionTest, RedactsOneDeviceInPlaceAndKeepsEverythingElse) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp.Sub("log")));
  ASSERT_NE(log, nullptr);
  AppendDeviceGroups(*log, 12);
  std::vector<ReadRecord> before = ReadAll(*log);
  // A reader that has the first segment open before the rewrite.
  Result<std::unique_ptr<LogReader>> early = log->NewReader(0);
  ASSERT_TRUE(early.ok());
  LogRecord record;
  ASSERT_TRUE((*early)->Next(&record).value());
  ASSERT_TRUE(log->Roll().ok());
  const std::vector<uint64_t> bases = log->SegmentBaseOffsets();
  ASSERT_GE(bases.size(), 4u);  // 3+ sealed segments and the empty active one
  const uint64_t durable_end = log->DurableEndOffset();

  Result<SegmentedLog::RedactStats> stats = log->Redact(kAll, DeviceIs("dev1"));
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->records_redacted, 12u);
  EXPECT_EQ(stats->segments_rewritten, bases.size() - 1);
  EXPECT_EQ(stats->segments_dropped, 0u);
  EXPECT_EQ(log->DurableEndOffset(), durable_end);
  EXPECT_EQ(log->SegmentBaseOffsets(), bases);

  auto is_dev1 = [](const ReadRecord& r) { return StartsWith(r.payload, "dev1-"); };
  std::vector<ReadRecord> after = ReadAll(*log);
  ExpectSameOrRedacted(before, after, is_dev1);

  // The early reader finishes the old first segment as it was, then reads
  // the rewritten ones.
  std::vector<ReadRecord> rest;
  while (true) {
    Result<bool> more = (*early)->Next(&record);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    rest.push_back(ReadRecord{record.offset, record.next_offset, std::string(record.payload)});
  }
  std::vector<ReadRecord> expected_rest(before.begin() + 1, before.end());
  ExpectSameOrRedacted(expected_rest, rest,
                       [&](const ReadRecord& r) { return is_dev1(r) && r.offset >= bases[1]; });

  // Already-redacted records are not offered again.
  Result<SegmentedLog::RedactStats> again = log->Redact(kAll, [](const LogRecord& r) {
    EXPECT_FALSE(IsRedacted(std::string(r.payload))) << "offset " << r.offset;
    return StartsWith(std::string(r.payload), "dev1-");
  });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->records_redacted, 0u);
  EXPECT_EQ(again->segments_rewritten, 0u);

  AppendDeviceGroups(*log, 2, /*first_group=*/100);
  std::vector<ReadRecord> all = ReadAll(*log);
  ASSERT_EQ(all.size(), before.size() + 2 * kDevices);
  EXPECT_EQ(all[before.size()].offset, durable_end);
  EXPECT_TRUE(StartsWith(all[before.size()].payload, "dev0-g100"));
  EXPECT_TRUE(StartsWith(all.back().payload, "dev2-g101"));
}

TEST(RedactionTest, NeverRedactsAtOrAfterBeforeOffsetNorTheActiveSegment) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp.Sub("log")));
  ASSERT_NE(log, nullptr);
  AppendDeviceGroups(*log, 8);
  ASSERT_TRUE(log->Roll().ok());
  AppendDeviceGroups(*log, 1, /*first_group=*/50);  // into the active segment
  std::vector<ReadRecord> before = ReadAll(*log);
  const std::vector<uint64_t> bases = log->SegmentBaseOffsets();
  ASSERT_EQ(bases.size(), 3u);
  // A cut in the middle of the second segment.
  const uint64_t cut = before[15].offset;
  ASSERT_GT(cut, bases[1]);
  ASSERT_LT(cut, bases[2]);

  std::vector<uint64_t> offered;
  Result<SegmentedLog::RedactStats> stats = log->Redact(cut, [&](const LogRecord& r) {
    offered.push_back(r.offset);
    return true;
  });
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(offered.size(), 15u);
  for (uint64_t offset : offered) EXPECT_LT(offset, cut);
  EXPECT_EQ(stats->records_redacted, 15u);
  EXPECT_EQ(stats->segments_rewritten, 2u);
  // The first segment is all redacted and ends before the cut.
  EXPECT_EQ(stats->segments_dropped, 1u);
  std::vector<ReadRecord> kept(before.begin() + 12, before.end());
  ExpectSameOrRedacted(kept, ReadAll(*log), [&](const ReadRecord& r) { return r.offset < cut; });

  // Everything: the sealed second segment goes, the active one is untouched.
  stats = log->Redact(kAll, Everything);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->segments_dropped, 1u);
  std::vector<ReadRecord> active(before.end() - kDevices, before.end());
  std::vector<ReadRecord> now = ReadAll(*log);
  ExpectSameOrRedacted(active, now, [](const ReadRecord&) { return false; });
  EXPECT_EQ(log->SegmentBaseOffsets(), std::vector<uint64_t>{bases[2]});
}

TEST(RedactionTest, DropsFullyRedactedLeadingSegments) {
  TempDir tmp;
  const std::string dir = tmp.Sub("log");
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(dir));
  ASSERT_NE(log, nullptr);
  AppendDeviceGroups(*log, 12);
  ASSERT_TRUE(log->Roll().ok());
  std::vector<ReadRecord> before = ReadAll(*log);
  const std::vector<uint64_t> bases = log->SegmentBaseOffsets();
  ASSERT_EQ(bases.size(), 4u);
  Result<std::unique_ptr<LogReader>> early = log->NewReader(0);
  ASSERT_TRUE(early.ok());
  LogRecord record;
  ASSERT_TRUE((*early)->Next(&record).value());

  Result<SegmentedLog::RedactStats> stats = log->Redact(bases[2], Everything);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->segments_rewritten, 2u);
  EXPECT_EQ(stats->segments_dropped, 2u);
  EXPECT_EQ(log->SegmentBaseOffsets(), (std::vector<uint64_t>{bases[2], bases[3]}));
  EXPECT_FALSE(std::filesystem::exists(SegmentFileName(dir, bases[0])));
  EXPECT_FALSE(std::filesystem::exists(SegmentFileName(dir, bases[1])));

  std::vector<ReadRecord> remaining;
  for (const ReadRecord& r : before) {
    if (r.offset >= bases[2]) remaining.push_back(r);
  }
  std::vector<ReadRecord> from_zero = ReadAll(*log, 0);
  ASSERT_FALSE(from_zero.empty());
  EXPECT_EQ(from_zero.front().offset, bases[2]);
  ExpectSameOrRedacted(remaining, from_zero, [](const ReadRecord&) { return false; });
  // An offset inside the dropped range, and the reader that was in it.
  std::vector<ReadRecord> from_inside = ReadAll(*log, before[5].offset);
  ASSERT_FALSE(from_inside.empty());
  EXPECT_EQ(from_inside.front().offset, bases[2]);
  ASSERT_TRUE((*early)->Next(&record).value());
  EXPECT_EQ(record.offset, bases[2]);
  EXPECT_EQ(std::string(record.payload), remaining.front().payload);
  early->reset();

  ASSERT_TRUE(log->Close().ok());
  log = OpenOrDie(OptionsFor(dir));
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->SegmentBaseOffsets(), (std::vector<uint64_t>{bases[2], bases[3]}));
  ExpectSameOrRedacted(remaining, ReadAll(*log, 0), [](const ReadRecord&) { return false; });
  AppendDeviceGroups(*log, 5, /*first_group=*/200);
  std::vector<ReadRecord> all = ReadAll(*log, 0);
  ASSERT_EQ(all.size(), remaining.size() + 5 * kDevices);
  EXPECT_EQ(all.front().offset, bases[2]);
  EXPECT_EQ(all[remaining.size()].offset, bases[3]);
  EXPECT_TRUE(StartsWith(all.back().payload, "dev2-g204"));
  for (size_t i = 1; i < all.size(); ++i) EXPECT_EQ(all[i].offset, all[i - 1].next_offset);
}

TEST(RedactionTest, DropStopsAtTheFirstSegmentThatStillHoldsData) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp.Sub("log")));
  ASSERT_NE(log, nullptr);
  AppendDeviceGroups(*log, 12);
  ASSERT_TRUE(log->Roll().ok());
  const std::vector<uint64_t> bases = log->SegmentBaseOffsets();
  // Keep one record of the first segment: nothing may be dropped, although
  // the second segment is then all redacted.
  Result<SegmentedLog::RedactStats> stats =
      log->Redact(bases[2], [](const LogRecord& r) { return r.offset != 0; });
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->segments_dropped, 0u);
  EXPECT_EQ(log->SegmentBaseOffsets(), bases);
  // Once that record goes too, both go.
  stats = log->Redact(bases[2], Everything);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->records_redacted, 1u);
  EXPECT_EQ(stats->segments_dropped, 2u);
}

TEST(RedactionTest, ReopenAfterRedactReadsTheSameWithValidCrcs) {
  TempDir tmp;
  const std::string dir = tmp.Sub("log");
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(dir));
  ASSERT_NE(log, nullptr);
  AppendDeviceGroups(*log, 12);
  ASSERT_TRUE(log->Roll().ok());
  ASSERT_TRUE(log->Redact(kAll, DeviceIs("dev2")).ok());
  std::vector<ReadRecord> redacted = ReadAll(*log);
  ASSERT_TRUE(log->Close().ok());
  log.reset();

  // DumpLog verifies every CRC of every segment.
  std::vector<std::string> dumped;
  ASSERT_TRUE(DumpLog(dir, [&](const LogRecord& r) { dumped.emplace_back(r.payload); }).ok());
  EXPECT_EQ(dumped, Payloads(redacted));
  log = OpenOrDie(OptionsFor(dir));
  ASSERT_NE(log, nullptr);
  ExpectSameOrRedacted(redacted, ReadAll(*log), [](const ReadRecord&) { return false; });
}

TEST(RedactionTest, RefusesToRewriteADamagedSegment) {
  TempDir tmp;
  const std::string dir = tmp.Sub("log");
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(dir));
  ASSERT_NE(log, nullptr);
  AppendDeviceGroups(*log, 8);
  ASSERT_TRUE(log->Roll().ok());
  const std::string first = SegmentFileName(dir, 0);
  std::string bytes = ReadFileBytes(first);
  bytes[60] ^= 0x01;  // inside the second record's payload
  testing::WriteFileBytes(first, bytes);

  Result<SegmentedLog::RedactStats> stats = log->Redact(kAll, Everything);
  EXPECT_EQ(stats.status().code(), StatusCode::kCorruption);
  EXPECT_NE(stats.status().message().find(first), std::string::npos) << stats.status().ToString();
  EXPECT_EQ(ReadFileBytes(first), bytes);
  EXPECT_FALSE(HasTempFile(dir));
}

// The rewrite of one segment, stopped at each of its changes.
enum class CrashStep { kCreateTemp, kWriteTemp, kSyncTemp, kRename, kSyncDir, kNone };

std::string StepName(CrashStep step) {
  switch (step) {
    case CrashStep::kCreateTemp:
      return "before creating the temp file";
    case CrashStep::kWriteTemp:
      return "after creating the temp file, before writing it";
    case CrashStep::kSyncTemp:
      return "after writing the temp file, before fsyncing it";
    case CrashStep::kRename:
      return "after fsyncing the temp file, before the rename";
    case CrashStep::kSyncDir:
      return "after the rename, before the directory fsync";
    case CrashStep::kNone:
      return "after the directory fsync";
  }
  return "";
}

class RedactionCrashTest : public ::testing::Test {
 protected:
  struct Outcome {
    std::string first_segment;  // bytes of segment 0 after reopening
    std::vector<ReadRecord> records;
  };

  // Writes a log, redacts device 1 of its first segment with the process
  // dying after `changes` changes (< 0: never) and, if `power_loss`, drops
  // whatever was not synced, then reopens it.
  Outcome Run(int changes, bool power_loss) {
    Outcome outcome;
    TempDir tmp;
    const std::string dir = tmp.Sub("log");
    FaultInjectionFileSystem fs(FileSystem::Default());
    SegmentedLog::Options options = OptionsFor(dir, &fs);
    options.prefill_chunk_bytes = 0;  // the writer changes nothing after Roll
    std::unique_ptr<SegmentedLog> log = OpenOrDie(options);
    EXPECT_NE(log, nullptr);
    if (log == nullptr) return outcome;
    AppendDeviceGroups(*log, 8);
    EXPECT_TRUE(log->Roll().ok());
    before_ = ReadAll(*log);
    old_first_segment_ = ReadFileBytes(SegmentFileName(dir, 0));
    const uint64_t second = log->SegmentBaseOffsets()[1];

    fs.CrashAfterChanges(changes);
    Result<SegmentedLog::RedactStats> stats = log->Redact(second, DeviceIs("dev1"));
    EXPECT_EQ(stats.ok(), !fs.crashed()) << stats.status().ToString();
    log.reset();
    fs.CrashAfterChanges(-1);
    if (power_loss) {
      EXPECT_TRUE(fs.DropUnsyncedData().ok());
    }

    log = OpenOrDie(options);
    EXPECT_NE(log, nullptr);
    if (log == nullptr) return outcome;
    EXPECT_FALSE(HasTempFile(dir));
    outcome.first_segment = ReadFileBytes(SegmentFileName(dir, 0));
    outcome.records = ReadAll(*log);
    EXPECT_TRUE(log->Close().ok());
    return outcome;
  }

  std::vector<ReadRecord> before_;
  std::string old_first_segment_;
};

TEST_F(RedactionCrashTest, SegmentIsEntirelyOldOrEntirelyNewAfterACrashAtEachStep) {
  const Outcome clean = Run(-1, /*power_loss=*/false);
  const std::string new_first_segment = clean.first_segment;
  ASSERT_EQ(new_first_segment.size(), old_first_segment_.size());
  ASSERT_NE(new_first_segment, old_first_segment_);
  const uint64_t first_end = new_first_segment.size();
  auto redacted = [&](const ReadRecord& r) {
    return r.offset < first_end && StartsWith(r.payload, "dev1-");
  };
  ExpectSameOrRedacted(before_, clean.records, redacted);

  for (CrashStep step : {CrashStep::kCreateTemp, CrashStep::kWriteTemp, CrashStep::kSyncTemp,
                         CrashStep::kRename, CrashStep::kSyncDir, CrashStep::kNone}) {
    for (bool power_loss : {false, true}) {
      SCOPED_TRACE("crash " + StepName(step) + (power_loss ? ", power loss" : ", process only"));
      const Outcome outcome = Run(static_cast<int>(step), power_loss);
      const bool renamed = step == CrashStep::kNone || (step == CrashStep::kSyncDir && !power_loss);
      if (renamed) {
        EXPECT_EQ(outcome.first_segment, new_first_segment);
        ExpectSameOrRedacted(before_, outcome.records, redacted);
      } else {
        EXPECT_EQ(outcome.first_segment, old_first_segment_);
        ExpectSameOrRedacted(before_, outcome.records, [](const ReadRecord&) { return false; });
      }
    }
  }
}

TEST(RedactionCrashSweepTest, EveryCrashPointOfRewriteAndDropLeavesAConsistentLog) {
  for (int changes = 0;; ++changes) {
    for (bool power_loss : {false, true}) {
      SCOPED_TRACE("crash after " + std::to_string(changes) + " changes" +
                   (power_loss ? ", power loss" : ""));
      TempDir tmp;
      const std::string dir = tmp.Sub("log");
      FaultInjectionFileSystem fs(FileSystem::Default());
      SegmentedLog::Options options = OptionsFor(dir, &fs);
      options.prefill_chunk_bytes = 0;
      std::unique_ptr<SegmentedLog> log = OpenOrDie(options);
      ASSERT_NE(log, nullptr);
      AppendDeviceGroups(*log, 12);
      ASSERT_TRUE(log->Roll().ok());
      const std::vector<ReadRecord> before = ReadAll(*log);
      const std::vector<uint64_t> bases = log->SegmentBaseOffsets();

      fs.CrashAfterChanges(changes);
      Result<SegmentedLog::RedactStats> stats = log->Redact(bases[2], Everything);
      const bool crashed = fs.crashed();
      if (!crashed) {
        ASSERT_TRUE(stats.ok()) << stats.status().ToString();
        EXPECT_EQ(stats->segments_dropped, 2u);
      }
      log.reset();
      fs.CrashAfterChanges(-1);
      if (power_loss) {
        ASSERT_TRUE(fs.DropUnsyncedData().ok());
      }

      log = OpenOrDie(options);
      ASSERT_NE(log, nullptr);
      EXPECT_FALSE(HasTempFile(dir));
      const std::vector<uint64_t> now = log->SegmentBaseOffsets();
      // Dropping goes oldest first: a suffix of the segments is left.
      ASSERT_TRUE(now.front() == bases[0] || now.front() == bases[1] || now.front() == bases[2]);
      EXPECT_EQ(now.back(), bases.back());
      std::vector<ReadRecord> after = ReadAll(*log);
      std::vector<ReadRecord> expected;
      for (const ReadRecord& r : before) {
        if (r.offset >= now.front()) expected.push_back(r);
      }
      ASSERT_EQ(after.size(), expected.size());
      // Within each of the first two segments: all old or all redacted.
      for (size_t segment = 0; segment < 2; ++segment) {
        std::set<bool> states;
        for (size_t i = 0; i < after.size(); ++i) {
          if (after[i].offset < bases[segment] || after[i].offset >= bases[segment + 1]) continue;
          states.insert(after[i].payload == expected[i].payload);
          if (after[i].payload != expected[i].payload) {
            EXPECT_EQ(after[i].payload, Redacted(expected[i].payload.size()));
          }
        }
        EXPECT_LE(states.size(), 1u) << "segment " << segment << " is part old, part new";
      }
      for (size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].offset, expected[i].offset);
        if (after[i].offset >= bases[2]) {
          EXPECT_EQ(after[i].payload, expected[i].payload);
        }
      }
      if (!crashed) {
        EXPECT_EQ(now.front(), bases[2]);
        if (power_loss) return;
      }
    }
  }
}

TEST(RedactionTest, RedactBesideAStreamOfAppendsAndATailingReader) {
  TempDir tmp;
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(tmp.Sub("log")));
  ASSERT_NE(log, nullptr);
  constexpr int kBatches = 150;
  std::vector<AppendResult> results(kBatches);
  std::atomic<bool> writing_done{false};
  std::thread writer([&] {
    for (int i = 0; i < kBatches; ++i) {
      results[i] = AppendAndWait(*log, {MakePayloads("keep-" + std::to_string(i), 1, 40)[0],
                                        MakePayloads("drop-" + std::to_string(i), 1, 40)[0]});
    }
    writing_done.store(true);
  });
  // Tails the log while segments are rewritten under it: every record it
  // reads is the original or its redacted form, in order.
  std::atomic<bool> reader_ok{true};
  std::atomic<bool> tail_until_end{false};
  std::thread reader([&] {
    Result<std::unique_ptr<LogReader>> r = log->NewReader(0);
    if (!r.ok()) {
      reader_ok = false;
      return;
    }
    LogRecord record;
    uint64_t expected_offset = 0;
    int seen = 0;
    while (seen < 2 * kBatches) {
      Result<bool> more = (*r)->Next(&record);
      if (!more.ok()) {
        reader_ok = false;
        return;
      }
      if (!*more) {
        std::this_thread::yield();
        continue;
      }
      std::string payload(record.payload);
      if (record.offset != expected_offset ||
          (!StartsWith(payload, "keep-") && !StartsWith(payload, "drop-") &&
           !IsRedacted(payload))) {
        reader_ok = false;
        return;
      }
      expected_offset = record.next_offset;
      ++seen;
    }
    tail_until_end = true;
  });

  int rounds = 0;
  uint64_t redacted = 0;
  Status failed;
  // Until the writer is done, and once more after it.
  for (bool last = false; failed.ok();) {
    last = writing_done.load();
    failed = log->Roll();
    Result<SegmentedLog::RedactStats> stats = log->Redact(kAll, DeviceIs("drop"));
    if (!stats.ok()) failed = stats.status();
    if (stats.ok()) redacted += stats->records_redacted;
    ++rounds;
    if (last) break;
  }
  writer.join();
  reader.join();
  ASSERT_TRUE(failed.ok()) << failed.ToString();
  EXPECT_TRUE(reader_ok.load());
  EXPECT_TRUE(tail_until_end.load());
  EXPECT_GE(rounds, 2);
  EXPECT_EQ(redacted, static_cast<uint64_t>(kBatches));

  std::vector<ReadRecord> all = ReadAll(*log);
  ASSERT_EQ(all.size(), 2u * kBatches);
  for (int i = 0; i < kBatches; ++i) {
    ASSERT_TRUE(results[i].status.ok()) << results[i].status.ToString();
    const ReadRecord& keep = all[2 * i];
    const ReadRecord& drop = all[2 * i + 1];
    EXPECT_EQ(keep.offset, results[i].first_offset);
    EXPECT_EQ(keep.payload, MakePayloads("keep-" + std::to_string(i), 1, 40)[0]);
    EXPECT_EQ(drop.payload, Redacted(40));
  }
}

TEST(RedactionTest, OpenRemovesALeftoverTempFileAndIgnoresOtherFiles) {
  TempDir tmp;
  const std::string dir = tmp.Sub("log");
  {
    std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(dir));
    ASSERT_NE(log, nullptr);
    AppendDeviceGroups(*log, 2);
  }
  testing::WriteFileBytes(log_redaction::TempFileName(dir, 0), "half a copy");
  testing::WriteFileBytes(dir + "/notes.redact", "not ours");
  std::unique_ptr<SegmentedLog> log = OpenOrDie(OptionsFor(dir));
  ASSERT_NE(log, nullptr);
  EXPECT_FALSE(std::filesystem::exists(log_redaction::TempFileName(dir, 0)));
  EXPECT_TRUE(std::filesystem::exists(dir + "/notes.redact"));
  EXPECT_EQ(ReadAll(*log).size(), 2u * kDevices);
}

}  // namespace
}  // namespace unmogrowp
