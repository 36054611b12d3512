#include "meta/admin_token.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/ids.h"
#include "meta/secret.h"

namespace unmogrowp {

namespace {

// Closes a file descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  // Closes now, reporting the error that a deferred close would lose.
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status ErrnoError(std::string_view what, const std::string& path) {
  return Status::IOError(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

// Tokens travel in an HTTP header, where spaces and control characters are
// trimmed or rejected: a token holding them could never match.
bool IsValidToken(std::string_view token) {
  if (token.empty()) return false;
  for (char c : token) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open", dir);
  FdCloser closer(fd);
  if (::fsync(fd) != 0) return ErrnoError("fsync", dir);
  return Status::OK();
}

// Reads the token file. NotFound when it does not exist.
Result<std::string> ReadTokenFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path);
    return ErrnoError("open", path);
  }
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError("stat", path);
  if (!S_ISREG(st.st_mode)) return Status::FailedPrecondition(path + " is not a regular file");
  if ((st.st_mode & 0077) != 0 && ::fchmod(fd, 0600) != 0) return ErrnoError("chmod", path);

  std::string content;
  char buf[256];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path);
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
    if (content.size() > 4096) return Status::Corruption(path + " is too large for a token");
  }
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
    content.pop_back();
  }
  if (!IsValidToken(content)) {
    return Status::Corruption(path + " does not hold a token (empty or not printable ASCII)");
  }
  return content;
}

Status WriteTokenFile(const std::string& dir, const std::string& path, std::string_view token) {
  std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return ErrnoError("create", tmp);
  FdCloser closer(fd);
  Status s = [&]() -> Status {
    // The umask can only narrow 0600, but an existing leftover could be wider.
    if (::fchmod(fd, 0600) != 0) return ErrnoError("chmod", tmp);
    UM_RETURN_IF_ERROR(WriteAll(fd, fmt::format("{}\n", token), tmp));
    if (::fsync(fd) != 0) return ErrnoError("fsync", tmp);
    if (closer.Close() != 0) return ErrnoError("close", tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError("rename to " + path, tmp);
    return FsyncDir(dir);
  }();
  if (!s.ok()) ::unlink(tmp.c_str());  // Best effort; `s` is the error that matters.
  return s;
}

}  // namespace

Result<std::string> LoadOrCreateAdminToken(const std::string& data_dir,
                                           std::optional<std::string> configured, bool* created) {
  if (created != nullptr) *created = false;
  if (configured.has_value()) {
    if (!IsValidToken(*configured)) {
      return Status::InvalidArgument(
          "admin_token", "the admin token must be non-empty printable ASCII without spaces",
          "invalid_value");
    }
    return std::move(*configured);
  }

  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::IOError(fmt::format("create {}: {}", data_dir, ec.message()));

  const std::string path = (std::filesystem::path(data_dir) / kAdminTokenFileName).string();
  Result<std::string> existing = ReadTokenFile(path);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;

  std::string token = RandomHexToken(kAdminTokenRandomBytes);
  UM_RETURN_IF_ERROR(WriteTokenFile(data_dir, path, token));
  if (created != nullptr) *created = true;
  return token;
}

bool TokenEquals(std::string_view a, std::string_view b) { return SecretEquals(a, b); }

}  // namespace unmogrowp
