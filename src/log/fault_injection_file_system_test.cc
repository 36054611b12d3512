#include "log/fault_injection_file_system.h"

#include <gtest/gtest.h>

#include "log/log_test_util.h"

namespace unmogrowp {
namespace {

using testing::ReadFileBytes;
using testing::TempDir;

class FaultInjectionFileSystemTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  FaultInjectionFileSystem fs_{FileSystem::Default()};
};

TEST_F(FaultInjectionFileSystemTest, InjectsSyncAndWriteErrors) {
  Result<std::unique_ptr<WritableFile>> file = fs_.NewAppendableFile(tmp_.Sub("f"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append("abc").ok());
  fs_.FailNextSyncs(1);
  Status failed = (*file)->Sync();
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  EXPECT_NE(failed.message().find("Input/output error"), std::string::npos) << failed.ToString();
  EXPECT_TRUE((*file)->Sync().ok());
  EXPECT_EQ(fs_.sync_count(), 1);

  fs_.FailAllSyncs(true);
  EXPECT_FALSE((*file)->Sync().ok());
  EXPECT_FALSE((*file)->Sync().ok());
  fs_.FailAllSyncs(false);

  fs_.FailWrites(true);
  EXPECT_EQ((*file)->Append("def").code(), StatusCode::kIOError);
  fs_.FailWrites(false);
  EXPECT_EQ(ReadFileBytes(tmp_.Sub("f")), "abc");
}

TEST_F(FaultInjectionFileSystemTest, DropUnsyncedDataKeepsOnlySyncedBytesAndEntries) {
  Result<std::unique_ptr<WritableFile>> file = fs_.NewAppendableFile(tmp_.Sub("kept"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(fs_.SyncDir(tmp_.path()).ok());
  ASSERT_TRUE((*file)->Append("synced").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("-lost").ok());
  EXPECT_EQ(fs_.SyncedPosition(tmp_.Sub("kept")), 6u);

  Result<std::unique_ptr<WritableFile>> unsynced_entry = fs_.NewAppendableFile(tmp_.Sub("new"));
  ASSERT_TRUE(unsynced_entry.ok());
  ASSERT_TRUE((*unsynced_entry)->Append("x").ok());
  ASSERT_TRUE((*unsynced_entry)->Sync().ok());  // data synced, directory entry not

  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  EXPECT_EQ(ReadFileBytes(tmp_.Sub("kept")), "synced");
  EXPECT_FALSE(fs_.FileSize(tmp_.Sub("new")).ok());
}

TEST_F(FaultInjectionFileSystemTest, PrefillWritesZerosAheadAndAppendsOverwriteThem) {
  const std::string path = tmp_.Sub("f");
  Result<std::unique_ptr<WritableFile>> file = fs_.NewAppendableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("abc").ok());
  ASSERT_TRUE((*file)->Prefill(200000).ok());  // more than one pwritev
  EXPECT_EQ((*file)->position(), 3u);
  EXPECT_EQ((*file)->size(), 200003u);
  EXPECT_EQ(ReadFileBytes(path), "abc" + std::string(200000, '\0'));
  ASSERT_TRUE((*file)->Append("de").ok());
  EXPECT_EQ((*file)->size(), 200003u);
  EXPECT_EQ(ReadFileBytes(path), "abcde" + std::string(199998, '\0'));
  // Past the zeros, appends grow the file again.
  ASSERT_TRUE((*file)->TruncateToPosition().ok());
  EXPECT_EQ(ReadFileBytes(path), "abcde");
  ASSERT_TRUE((*file)->Append("f").ok());
  EXPECT_EQ((*file)->size(), 6u);
  ASSERT_TRUE((*file)->Close().ok());

  // Reopened, a file is written at its end.
  Result<std::unique_ptr<WritableFile>> again = fs_.NewAppendableFile(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->position(), 6u);
  ASSERT_TRUE((*again)->Append("g").ok());
  EXPECT_EQ(ReadFileBytes(path), "abcdefg");
}

TEST_F(FaultInjectionFileSystemTest, PowerLossTurnsUnsyncedRecordsOverZerosBackIntoZeros) {
  const std::string path = tmp_.Sub("f");
  Result<std::unique_ptr<WritableFile>> file = fs_.NewAppendableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(fs_.SyncDir(tmp_.path()).ok());
  ASSERT_TRUE((*file)->Append("synced").ok());
  ASSERT_TRUE((*file)->Prefill(10).ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("lost").ok());      // over synced zeros
  ASSERT_TRUE((*file)->Append("lost too").ok());  // and past them
  ASSERT_TRUE((*file)->Prefill(5).ok());
  EXPECT_EQ(fs_.SyncedPosition(path), 6u);
  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  EXPECT_EQ(ReadFileBytes(path), "synced" + std::string(10, '\0'));
}

TEST_F(FaultInjectionFileSystemTest, PowerLossThatKeepsTheSizeLeavesZeros) {
  const std::string path = tmp_.Sub("f");
  Result<std::unique_ptr<WritableFile>> file = fs_.NewAppendableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(fs_.SyncDir(tmp_.path()).ok());
  ASSERT_TRUE((*file)->Append("synced").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("lost").ok());
  ASSERT_TRUE((*file)->Prefill(5).ok());
  ASSERT_TRUE(fs_.DropUnsyncedData(FaultInjectionFileSystem::UnsyncedTail::kZeros).ok());
  EXPECT_EQ(ReadFileBytes(path), "synced" + std::string(9, '\0'));
}

TEST_F(FaultInjectionFileSystemTest, CrashAfterChangesRefusesEveryLaterChange) {
  const std::string path = tmp_.Sub("f");
  Result<std::unique_ptr<WritableFile>> file = fs_.NewAppendableFile(path);
  ASSERT_TRUE(file.ok());
  fs_.CrashAfterChanges(2);
  ASSERT_TRUE((*file)->Append("abc").ok());
  ASSERT_TRUE((*file)->Prefill(4).ok());
  EXPECT_FALSE(fs_.crashed());
  Status refused = (*file)->Sync();
  EXPECT_EQ(refused.code(), StatusCode::kIOError);
  EXPECT_NE(refused.message().find("crashed"), std::string::npos) << refused.ToString();
  EXPECT_TRUE(fs_.crashed());
  EXPECT_FALSE((*file)->Append("d").ok());
  EXPECT_FALSE((*file)->TruncateToPosition().ok());
  EXPECT_FALSE(fs_.NewAppendableFile(tmp_.Sub("g")).ok());
  EXPECT_FALSE(fs_.SyncDir(tmp_.path()).ok());
  EXPECT_FALSE(fs_.TruncateFile(path, 0).ok());
  // What was written before the crash stays: the page cache outlives a process.
  EXPECT_EQ(ReadFileBytes(path), "abc" + std::string(4, '\0'));
  fs_.CrashAfterChanges(-1);
  EXPECT_TRUE((*file)->Sync().ok());
}

TEST_F(FaultInjectionFileSystemTest, SyncHookRunsOnEverySync) {
  int calls = 0;
  fs_.SetSyncHook([&calls] { ++calls; });
  Result<std::unique_ptr<WritableFile>> file = fs_.NewAppendableFile(tmp_.Sub("f"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Sync().ok());
  fs_.FailNextSyncs(1);
  EXPECT_FALSE((*file)->Sync().ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(FaultInjectionFileSystemTest, FailDirSyncs) {
  fs_.FailDirSyncs(true);
  EXPECT_EQ(fs_.SyncDir(tmp_.path()).code(), StatusCode::kIOError);
  fs_.FailDirSyncs(false);
  EXPECT_TRUE(fs_.SyncDir(tmp_.path()).ok());
}

TEST_F(FaultInjectionFileSystemTest, LockIsExclusive) {
  Result<std::unique_ptr<FileLock>> first = fs_.LockFile(tmp_.Sub("LOCK"));
  ASSERT_TRUE(first.ok());
  Result<std::unique_ptr<FileLock>> second = fs_.LockFile(tmp_.Sub("LOCK"));
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  first->reset();
  EXPECT_TRUE(fs_.LockFile(tmp_.Sub("LOCK")).ok());
}

}  // namespace
}  // namespace unmogrowp
