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
  EXPECT_EQ(fs_.SyncedSize(tmp_.Sub("kept")), 6u);

  Result<std::unique_ptr<WritableFile>> unsynced_entry = fs_.NewAppendableFile(tmp_.Sub("new"));
  ASSERT_TRUE(unsynced_entry.ok());
  ASSERT_TRUE((*unsynced_entry)->Append("x").ok());
  ASSERT_TRUE((*unsynced_entry)->Sync().ok());  // data synced, directory entry not

  ASSERT_TRUE(fs_.DropUnsyncedData().ok());
  EXPECT_EQ(ReadFileBytes(tmp_.Sub("kept")), "synced");
  EXPECT_FALSE(fs_.FileSize(tmp_.Sub("new")).ok());
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
