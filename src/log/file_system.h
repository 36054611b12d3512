#pragma once

// FileSystem: the few file operations the event log needs, behind an
// interface (leveldb's Env, cut down) so tests can inject I/O errors and
// simulated crashes (log/fault_injection_file_system.h) instead of needing
// real ones. FileSystem::Default() is the POSIX implementation.
//
// Thread-safety: FileSystem methods may be called from any thread. A
// WritableFile is used by one thread at a time; a RandomAccessFile may be read
// from several threads at once.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace unmogrowp {

// A file written front to back at a tracked position -- not O_APPEND, so
// bytes past the position can exist: zeros written ahead by Prefill, so that
// later appends overwrite blocks the file already has instead of growing it
// (on ext4 growing a file makes the next fdatasync commit the journal too).
// position() <= size() always.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Where the next Append writes: the file's size when opened plus the bytes
  // appended since.
  virtual uint64_t position() const = 0;
  // The file's size as this object made it: position() plus any pre-filled
  // zeros not yet overwritten.
  virtual uint64_t size() const = 0;
  // Writes all of `data` at position() (retrying short writes) and advances
  // it, or returns IOError; after an error some prefix of `data` may have
  // been written and position() is unchanged.
  virtual Status Append(std::string_view data) = 0;
  // Writes `n` zero bytes at size(), growing the file; not synced (the next
  // Sync covers them). After an error some of them may have been written.
  virtual Status Prefill(uint64_t n) = 0;
  // fdatasync: on OK, everything written so far (records and zeros, and the
  // file size) survives a crash.
  virtual Status Sync() = 0;
  // Cuts the file to position(), dropping the pre-filled zeros, and fsyncs
  // it: on OK the file ends at position() durably.
  virtual Status TruncateToPosition() = 0;
  // Closes the descriptor; later calls fail. The destructor closes too.
  virtual Status Close() = 0;
};

// A file opened read-only for positional reads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to `n` bytes at `offset` into `scratch`; returns the number read,
  // which is less than `n` only at the end of the file.
  virtual Result<size_t> Read(uint64_t offset, size_t n, char* scratch) const = 0;
};

// An exclusive advisory lock on a file; released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The POSIX file system. Stateless; lives for the whole process.
  static FileSystem* Default();

  // Opens `path` for writing at its end (position() = size() = its current
  // size), creating it (empty) if missing. Creating does not make the
  // directory entry durable: call SyncDir.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  virtual Status CreateDirIfMissing(const std::string& dir) = 0;
  // Names (not paths) of the entries of `dir`, without "." and "..", unsorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // fsync of the directory: makes created, removed and renamed entries durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // rename(2): atomically makes `to` name the file `from` named, replacing
  // any file `to` named. Durable once the directory is synced (SyncDir).
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Cuts `path` to `size` bytes and fsyncs it: durable on OK.
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created if missing). Fails with
  // FailedPrecondition when someone else holds it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
};

}  // namespace unmogrowp
