#pragma once

// FaultInjectionFileSystem: wraps another FileSystem and, when told to, fails
// fdatasync or writes with EIO, runs a hook at the start of every sync (so a
// test can hold the writer inside fdatasync with a latch -- no sleeps), and
// tracks how much of each file has been synced so DropUnsyncedData() can
// simulate a crash (leveldb's FaultInjectionTestEnv idea).
//
// Thread-safety: every method may be called from any thread. The sync hook is
// called without internal locks held, on the syncing thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "log/file_system.h"

namespace unmogrowp {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // `base` is not owned and must outlive this object and its files.
  explicit FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

  // The next `n` WritableFile::Sync calls fail with IOError (EIO) and sync
  // nothing.
  void FailNextSyncs(int n);
  // While on, every WritableFile::Sync fails with IOError (EIO).
  void FailAllSyncs(bool on);
  // While on, every WritableFile::Append fails with IOError and writes nothing.
  void FailWrites(bool on);
  // While on, SyncDir fails with IOError.
  void FailDirSyncs(bool on);
  // Runs `hook` at the start of every WritableFile::Sync (before any failure
  // injection). Pass nullptr to clear.
  void SetSyncHook(std::function<void()> hook);

  // Simulates a crash: cuts every file written through this object back to
  // the size it had at its last successful sync (or when it was opened), and
  // removes files created since their directory was last synced. Call only
  // while nothing is writing.
  Status DropUnsyncedData();

  // Successful WritableFile::Sync calls so far.
  int sync_count() const;
  // Bytes of `path` known to be synced (0 for unknown files).
  uint64_t SyncedSize(const std::string& path) const;

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Status CreateDirIfMissing(const std::string& dir) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

 private:
  class File;
  friend class File;

  struct FileState {
    uint64_t size = 0;
    uint64_t synced_size = 0;
  };

  Status BeforeWrite();
  void AfterWrite(const std::string& path, uint64_t bytes);
  Status BeforeSync();
  void AfterSync(const std::string& path);

  FileSystem* const base_;
  mutable std::mutex mu_;
  int fail_next_syncs_ = 0;
  bool fail_all_syncs_ = false;
  bool fail_writes_ = false;
  bool fail_dir_syncs_ = false;
  int sync_count_ = 0;
  std::function<void()> sync_hook_;
  std::map<std::string, FileState> files_;
  std::set<std::string> created_unsynced_;  // paths whose directory entry is not durable
};

}  // namespace unmogrowp
