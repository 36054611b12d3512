// The POSIX FileSystem (FileSystem::Default()): plain open/pwrite/pread with
// fdatasync for WritableFile::Sync, pwritev of a static zero block for
// Prefill, and flock for LockFile.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "log/file_system.h"

namespace unmogrowp {

namespace {

Status ErrnoStatus(std::string_view op, const std::string& path, int err) {
  std::string message = std::string(op) + " " + path + ": " + std::strerror(err);
  return Status::IOError(std::move(message));
}

// Source of the zeros Prefill writes: one static block, repeated in an iovec.
constexpr size_t kZeroBlockBytes = 64 << 10;
constexpr int kZeroBlocksPerWrite = 16;
const char kZeroBlock[kZeroBlockBytes] = {};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), position_(size), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  uint64_t position() const override { return position_; }
  uint64_t size() const override { return size_; }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::FailedPrecondition("write to closed file " + path_);
    uint64_t at = position_;
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(at));
      if (n < 0) {
        if (errno == EINTR) continue;
        size_ = std::max(size_, at);
        return ErrnoStatus("pwrite", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      at += static_cast<uint64_t>(n);
    }
    position_ = at;
    size_ = std::max(size_, at);
    return Status::OK();
  }

  Status Prefill(uint64_t n) override {
    if (fd_ < 0) return Status::FailedPrecondition("write to closed file " + path_);
    iovec iov[kZeroBlocksPerWrite];
    while (n > 0) {
      int count = 0;
      uint64_t batch = 0;
      for (; count < kZeroBlocksPerWrite && batch < n; ++count) {
        size_t len = static_cast<size_t>(std::min<uint64_t>(kZeroBlockBytes, n - batch));
        iov[count].iov_base = const_cast<char*>(kZeroBlock);
        iov[count].iov_len = len;
        batch += len;
      }
      ssize_t written = ::pwritev(fd_, iov, count, static_cast<off_t>(size_));
      if (written < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("pwritev", path_, errno);
      }
      size_ += static_cast<uint64_t>(written);
      n -= static_cast<uint64_t>(written);
    }
    return Status::OK();
  }

  Status Sync() override {
    if (fd_ < 0) return Status::FailedPrecondition("sync of closed file " + path_);
    if (::fdatasync(fd_) != 0) return ErrnoStatus("fdatasync", path_, errno);
    return Status::OK();
  }

  Status TruncateToPosition() override {
    if (fd_ < 0) return Status::FailedPrecondition("truncate of closed file " + path_);
    if (::ftruncate(fd_, static_cast<off_t>(position_)) != 0) {
      return ErrnoStatus("ftruncate", path_, errno);
    }
    size_ = position_;
    if (::fsync(fd_) != 0) return ErrnoStatus("fsync", path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return ErrnoStatus("close", path_, errno);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
  uint64_t position_;
  uint64_t size_;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Result<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("pread", path_, errno);
      }
      if (got == 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // closing releases the flock

 private:
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("fstat", path, err);
    }
    return std::unique_ptr<WritableFile>(
        std::make_unique<PosixWritableFile>(path, fd, static_cast<uint64_t>(st.st_size)));
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    return std::unique_ptr<RandomAccessFile>(std::make_unique<PosixRandomAccessFile>(path, fd));
  }

  Status CreateDirIfMissing(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("mkdir", dir, errno);
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoStatus("opendir", dir, errno);
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return ErrnoStatus("readdir", dir, err);
    return names;
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open", dir, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus("fsync", dir, err);
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("unlink", path, errno);
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus("rename", from + " to " + to, errno);
    }
    return Status::OK();
  }

  Status TruncateFile(const std::string& path, uint64_t size) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    Status status;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      status = ErrnoStatus("ftruncate", path, errno);
    } else if (::fsync(fd) != 0) {
      status = ErrnoStatus("fsync", path, errno);
    }
    ::close(fd);
    return status;
  }

  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::FailedPrecondition(path + " is locked: another process has this log open");
      }
      return ErrnoStatus("flock", path, err);
    }
    return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(fd));
  }
};

}  // namespace

FileSystem* FileSystem::Default() {
  static PosixFileSystem file_system;
  return &file_system;
}

}  // namespace unmogrowp
