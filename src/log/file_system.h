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

// A file opened for appending. Writes go to the end of the file.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` (retrying short writes) or returns IOError; after an
  // error some prefix of `data` may have been written.
  virtual Status Append(std::string_view data) = 0;
  // fdatasync: on OK, everything appended so far survives a crash.
  virtual Status Sync() = 0;
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

  // Opens `path` for appending, creating it (empty) if missing. Creating does
  // not make the directory entry durable: call SyncDir.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  virtual Status CreateDirIfMissing(const std::string& dir) = 0;
  // Names (not paths) of the entries of `dir`, without "." and "..", unsorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // fsync of the directory: makes created, removed and renamed entries durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Cuts `path` to `size` bytes and fsyncs it: durable on OK.
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created if missing). Fails with
  // FailedPrecondition when someone else holds it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
};

}  // namespace unmogrowp
