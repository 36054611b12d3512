#pragma once

// FaultInjectionFileSystem: wraps another FileSystem and, when told to, fails
// fdatasync or writes with EIO, runs a hook at the start of every sync (so a
// test can hold the writer inside fdatasync with a latch -- no sleeps) or
// every read (to change a file under a reader), stops
// every change after the n-th (a process that died there), and tracks how
// much of each file has been synced, and which renames their directory has
// not synced yet, so DropUnsyncedData() can simulate a power loss (leveldb's
// FaultInjectionTestEnv idea).
//
// Thread-safety: every method may be called from any thread. The hooks are
// called without internal locks held, on the syncing or reading thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

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
  // Runs `hook(path, offset)` before every RandomAccessFile::Read, so a test
  // can change a file between a reader's reads, as a live writer would. Pass
  // nullptr to clear.
  void SetReadHook(std::function<void(const std::string& path, uint64_t offset)> hook);

  // Simulates the process dying after `n` more changes succeed: every later
  // change fails with IOError and does nothing. Changes are WritableFile
  // Append, Prefill, Sync and TruncateToPosition, and NewAppendableFile,
  // SyncDir, RemoveFile, RenameFile and TruncateFile. What was written stays (the page
  // cache outlives a process); call DropUnsyncedData too for a power loss.
  // n < 0 disarms.
  void CrashAfterChanges(int n);
  // True once an armed CrashAfterChanges has refused a change.
  bool crashed() const;

  // What a power loss leaves of the bytes written since a file's last sync.
  enum class UnsyncedTail {
    // The file size falls back to the synced size (the old behaviour).
    kCut,
    // The file keeps its size (a background journal commit carried it) but
    // none of the unsynced data pages made it: they read as zeros.
    kZeros,
  };
  // Simulates a power loss: every file written through this object loses what
  // was written since its last successful sync (or since it was opened) --
  // bytes written over synced pre-filled zeros turn back into zeros, and the
  // unsynced tail is cut or zeroed per `tail` -- files created since
  // their directory was last synced are removed, and renames since then are
  // undone, newest first (the file gets its old name back, and what the new
  // name named before comes back). Call only while nothing is writing.
  Status DropUnsyncedData(UnsyncedTail tail = UnsyncedTail::kCut);

  // Successful WritableFile::Sync calls so far.
  int sync_count() const;
  // Bytes of `path` before its write position known to be synced -- the
  // records, not counting pre-filled zeros past them (0 for unknown files).
  uint64_t SyncedPosition(const std::string& path) const;

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Status CreateDirIfMissing(const std::string& dir) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

 private:
  class File;
  friend class File;
  class ReadFile;
  friend class ReadFile;

  // Writes go at `position` (records) or at `size` (pre-filled zeros), so
  // the unsynced bytes of a file are [synced_position, position) and
  // [synced_size, size).
  struct FileState {
    uint64_t position = 0;
    uint64_t size = 0;
    uint64_t synced_position = 0;
    uint64_t synced_size = 0;
  };

  // A rename whose directory has not been synced since.
  struct PendingRename {
    std::string from;
    std::string to;
    bool from_created_unsynced = false;   // `from` itself was never made durable
    std::optional<std::string> replaced;  // what `to` held before, if anything
  };

  // Counts one change against CrashAfterChanges; IOError if refused.
  Status BeforeChange(std::string_view op);
  Status BeforeWrite();
  void AfterWrite(const std::string& path, const WritableFile& file);
  Status BeforeSync();
  // Records `file` as synced; `count` it in sync_count().
  void AfterSync(const std::string& path, const WritableFile& file, bool count);

  FileSystem* const base_;
  mutable std::mutex mu_;
  int fail_next_syncs_ = 0;
  bool fail_all_syncs_ = false;
  bool fail_writes_ = false;
  bool fail_dir_syncs_ = false;
  int sync_count_ = 0;
  int changes_left_ = -1;  // < 0: not armed
  bool crashed_ = false;
  std::function<void()> sync_hook_;
  std::function<void(const std::string&, uint64_t)> read_hook_;
  std::map<std::string, FileState> files_;
  std::set<std::string> created_unsynced_;      // paths whose directory entry is not durable
  std::vector<PendingRename> pending_renames_;  // oldest first
};

}  // namespace unmogrowp
