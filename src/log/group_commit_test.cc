// Group commit and failure handling of SegmentedLog, driven through the
// fault-injecting file system. No test sleeps: the writer is held inside
// fdatasync by a sync hook (SyncGate) and released by the test.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "log/fault_injection_file_system.h"
#include "log/log_test_util.h"
#include "log/record_format.h"
#include "log/segment_index.h"
#include "log/segmented_log.h"

namespace unmogrowp {
namespace {

using testing::AppendAndWait;
using testing::AppendResult;
using testing::MakeBatch;
using testing::MakePayloads;
using testing::Payloads;
using testing::ReadAll;
using testing::TempDir;

// Holds every fdatasync at its start until Release(); reports when one is
// waiting. Installed as the file system's sync hook.
class SyncGate {
 public:
  void Hook() {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
  }
  void WaitUntilEntered(int n = 1) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return entered_ >= n; });
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool released_ = false;
};

class GroupCommitTest : public ::testing::Test {
 protected:
  std::unique_ptr<SegmentedLog> Open(uint64_t max_pending_bytes = 64 << 20,
                                     uint64_t segment_bytes = 256 << 20) {
    SegmentedLog::Options options;
    options.dir = dir_;
    options.file_system = &fs_;
    options.max_pending_bytes = max_pending_bytes;
    options.segment_bytes = segment_bytes;
    Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  void InstallGate() {
    fs_.SetSyncHook([this] { gate_.Hook(); });
  }

  void TearDown() override { fs_.SetSyncHook(nullptr); }

  TempDir tmp_;
  std::string dir_ = tmp_.Sub("log");
  FaultInjectionFileSystem fs_{FileSystem::Default()};
  SyncGate gate_;
};

TEST_F(GroupCommitTest, ConcurrentAppendersShareFsyncsAndEveryCallbackRunsOnce) {
  std::unique_ptr<SegmentedLog> log = Open();
  const std::string segment = SegmentFileName(dir_, 0);
  InstallGate();
  const int syncs_before = fs_.sync_count();

  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  constexpr int kAppends = 1 + kThreads * kPerThread;
  struct Slot {
    std::atomic<int> calls{0};
    Status status;
    uint64_t offset = 0;
    bool covered_by_sync = false;
    std::string payload;
  };
  std::vector<Slot> slots(kAppends);
  std::latch all_called(kAppends);
  auto append = [&](int slot, const std::string& payload) {
    slots[slot].payload = payload;
    const uint64_t framed = log_format::FramedSize(payload.size());
    log->Append(MakeBatch({payload}), [&, slot, framed](const Status& s, uint64_t offset) {
      Slot& out = slots[slot];
      out.status = s;
      out.offset = offset;
      // The key property: at callback time the record is inside what the
      // file system has seen fdatasynced.
      out.covered_by_sync = fs_.SyncedPosition(segment) >= offset + framed;
      out.calls.fetch_add(1);
      all_called.count_down();
    });
  };

  append(0, "first");
  gate_.WaitUntilEntered();  // the writer is inside the first fdatasync
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        append(1 + t * kPerThread + i, "t" + std::to_string(t) + "-" + std::to_string(i));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Slot& slot : slots) EXPECT_EQ(slot.calls.load(), 0);
  gate_.Release();
  all_called.wait();

  // One fdatasync for "first", one for everything gathered behind it.
  EXPECT_EQ(fs_.sync_count() - syncs_before, 2);
  EXPECT_LT(fs_.sync_count() - syncs_before, kAppends);
  std::set<uint64_t> offsets;
  for (const Slot& slot : slots) {
    EXPECT_EQ(slot.calls.load(), 1);
    EXPECT_TRUE(slot.status.ok()) << slot.status.ToString();
    EXPECT_TRUE(slot.covered_by_sync);
    offsets.insert(slot.offset);
  }
  EXPECT_EQ(offsets.size(), static_cast<size_t>(kAppends));
  // Each thread's appends got increasing offsets, in the order it made them.
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 1; i < kPerThread; ++i) {
      int slot = 1 + t * kPerThread + i;
      EXPECT_LT(slots[slot - 1].offset, slots[slot].offset);
    }
  }
  // Everything reads back, at the offsets the callbacks reported.
  std::vector<testing::ReadRecord> records = ReadAll(*log);
  ASSERT_EQ(records.size(), static_cast<size_t>(kAppends));
  std::map<uint64_t, std::string> by_offset;
  for (const Slot& slot : slots) by_offset[slot.offset] = slot.payload;
  for (const auto& record : records) EXPECT_EQ(by_offset[record.offset], record.payload);
}

TEST_F(GroupCommitTest, FailedFsyncFailsCallbacksAndTheLogStaysFailed) {
  std::unique_ptr<SegmentedLog> log = Open();
  ASSERT_TRUE(AppendAndWait(*log, {"durable"}).status.ok());
  const uint64_t durable_end = log->DurableEndOffset();

  fs_.FailNextSyncs(1);
  AppendResult failed = AppendAndWait(*log, {"lost", "lost too"});
  EXPECT_EQ(failed.status.code(), StatusCode::kUnavailable) << failed.status.ToString();
  EXPECT_NE(failed.status.message().find("event log failed"), std::string::npos);
  EXPECT_NE(failed.status.message().find("fdatasync"), std::string::npos);
  EXPECT_NE(failed.status.message().find("restart required"), std::string::npos);
  EXPECT_EQ(log->Health().code(), StatusCode::kUnavailable);

  // fdatasync works again, but nothing is acknowledged until restart.
  AppendResult later = AppendAndWait(*log, {"later"});
  EXPECT_EQ(later.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(log->DurableEndOffset(), durable_end);
  EXPECT_EQ(Payloads(ReadAll(*log)), std::vector<std::string>{"durable"});
  EXPECT_EQ(log->Close().code(), StatusCode::kUnavailable);

  // Restart: recovery takes what is on disk; appends work again.
  log.reset();
  log = Open();
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->Health().ok());
  EXPECT_TRUE(AppendAndWait(*log, {"after restart"}).status.ok());
}

TEST_F(GroupCommitTest, FailedWriteFailsCallbacksAndTheLogStaysFailed) {
  std::unique_ptr<SegmentedLog> log = Open();
  fs_.FailWrites(true);
  AppendResult failed = AppendAndWait(*log, {"x"});
  EXPECT_EQ(failed.status.code(), StatusCode::kUnavailable);
  fs_.FailWrites(false);
  EXPECT_EQ(AppendAndWait(*log, {"y"}).status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(log->Health().code(), StatusCode::kUnavailable);
  EXPECT_EQ(log->DurableEndOffset(), 0u);
}

TEST_F(GroupCommitTest, NoCallbackRunsWhileItsFsyncIsInFlightAndAFailedOneNeverSaysOk) {
  std::unique_ptr<SegmentedLog> log = Open();
  ASSERT_TRUE(AppendAndWait(*log, {"durable"}).status.ok());
  InstallGate();
  constexpr int kAppends = 20;
  std::atomic<int> calls{0};
  std::atomic<int> ok{0};
  std::latch done(kAppends);
  for (int i = 0; i < kAppends; ++i) {
    log->Append(MakeBatch({"pending-" + std::to_string(i)}), [&](const Status& s, uint64_t) {
      calls.fetch_add(1);
      if (s.ok()) ok.fetch_add(1);
      done.count_down();
    });
    if (i == 0) gate_.WaitUntilEntered();
  }
  EXPECT_EQ(calls.load(), 0);
  // Crash-like: the fdatasync in flight fails with EIO.
  fs_.FailAllSyncs(true);
  gate_.Release();
  done.wait();
  EXPECT_EQ(ok.load(), 0);
  EXPECT_EQ(calls.load(), kAppends);
  EXPECT_FALSE(log->Health().ok());
}

TEST_F(GroupCommitTest, CrashDuringFsyncKeepsOnlyAcknowledgedAppends) {
  std::unique_ptr<SegmentedLog> log = Open();
  std::vector<std::string> acknowledged;
  for (int g = 0; g < 3; ++g) {
    std::vector<std::string> payloads = MakePayloads("ack" + std::to_string(g), 5, 100);
    ASSERT_TRUE(AppendAndWait(*log, payloads).status.ok());
    acknowledged.insert(acknowledged.end(), payloads.begin(), payloads.end());
  }
  InstallGate();
  std::promise<Status> result;
  log->Append(MakeBatch(MakePayloads("unacked", 50, 100)),
              [&result](const Status& s, uint64_t) { result.set_value(s); });
  gate_.WaitUntilEntered();
  // Power loss while the writer waits for the disk: unsynced bytes vanish and
  // the fdatasync reports the failure.
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  fs_.FailAllSyncs(true);
  gate_.Release();
  EXPECT_EQ(result.get_future().get().code(), StatusCode::kUnavailable);
  log.reset();
  fs_.FailAllSyncs(false);
  fs_.SetSyncHook(nullptr);

  log = Open();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(Payloads(ReadAll(*log)), acknowledged);
}

TEST_F(GroupCommitTest, AppendFailsFastWithResourceExhaustedOverMaxPendingBytes) {
  const std::vector<std::string> payloads = MakePayloads("p", 10, 100);
  const uint64_t batch_bytes = 10 * log_format::FramedSize(100);
  std::unique_ptr<SegmentedLog> log = Open(/*max_pending_bytes=*/3 * batch_bytes);
  InstallGate();

  std::vector<std::promise<Status>> results(3);
  for (int i = 0; i < 3; ++i) {
    log->Append(MakeBatch(payloads),
                [&results, i](const Status& s, uint64_t) { results[i].set_value(s); });
    if (i == 0) gate_.WaitUntilEntered();  // A is being written; B and C queue
  }
  // A (in fdatasync) + B + C = 3 batches = the limit; one more is refused at once.
  AppendResult refused = AppendAndWait(*log, payloads);
  EXPECT_EQ(refused.status.code(), StatusCode::kResourceExhausted) << refused.status.ToString();
  EXPECT_NE(refused.status.message().find("max_pending_bytes"), std::string::npos);
  // A batch that could never fit is a caller error, not back-pressure.
  AppendResult too_big = AppendAndWait(*log, MakePayloads("big", 40, 100));
  EXPECT_EQ(too_big.status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(log->Health().ok());

  gate_.Release();
  for (auto& result : results) EXPECT_TRUE(result.get_future().get().ok());
  EXPECT_TRUE(AppendAndWait(*log, payloads).status.ok());
  EXPECT_EQ(ReadAll(*log).size(), 40u);
}

TEST_F(GroupCommitTest, FailedSegmentRollFailsLaterAppends) {
  std::unique_ptr<SegmentedLog> log = Open(64 << 20, /*segment_bytes=*/100);
  fs_.FailDirSyncs(true);
  // Durable before the roll is attempted, so acknowledged.
  EXPECT_TRUE(AppendAndWait(*log, MakePayloads("a", 3, 50)).status.ok());
  AppendResult after = AppendAndWait(*log, {"b"});
  EXPECT_EQ(after.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(log->Health().message().find("new segment"), std::string::npos)
      << log->Health().ToString();
  fs_.FailDirSyncs(false);
}

TEST_F(GroupCommitTest, FreeRunningAppendersAndATailingReaderAgree) {
  std::unique_ptr<SegmentedLog> log = Open(64 << 20, /*segment_bytes=*/4096);
  constexpr int kThreads = 2;
  constexpr int kPerThread = 300;
  constexpr int kTotalRecords = kThreads * kPerThread * 2;
  std::mutex mu;
  std::condition_variable progress;
  std::atomic<int> failures{0};

  std::vector<std::string> read;
  std::thread reader([&] {
    Result<std::unique_ptr<LogReader>> r = log->NewReader(0);
    ASSERT_TRUE(r.ok());
    LogRecord record;
    uint64_t position = 0;
    while (static_cast<int>(read.size()) < kTotalRecords) {
      Result<bool> next = (*r)->Next(&record);
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      if (*next) {
        read.emplace_back(record.payload);
        position = record.next_offset;
        continue;
      }
      // Caught up: wait for the durable end to move (the log advances it
      // before running callbacks, which notify) instead of spinning.
      std::unique_lock<std::mutex> lock(mu);
      progress.wait(lock, [&] { return log->DurableEndOffset() > position; });
    }
  });
  std::vector<std::thread> writers;
  writers.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        log->Append(
            MakeBatch(MakePayloads("w" + std::to_string(t) + "." + std::to_string(i), 2, 64)),
            [&](const Status& s, uint64_t) {
              if (!s.ok()) failures.fetch_add(1);
              std::lock_guard<std::mutex> lock(mu);
              progress.notify_all();
            });
      }
    });
  }
  for (std::thread& w : writers) w.join();
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(read.size(), static_cast<size_t>(kTotalRecords));
  EXPECT_EQ(read, Payloads(ReadAll(*log)));
  ASSERT_TRUE(log->Close().ok());  // lets a roll still under way finish
  EXPECT_GE(log->SegmentBaseOffsets().size(), 2u);
  std::set<std::string> unique(read.begin(), read.end());
  EXPECT_EQ(unique.size(), read.size());
}

}  // namespace
}  // namespace unmogrowp
