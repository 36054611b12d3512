#include "cli/ack_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace unmogrowp {

Result<AckFile> AckFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::InvalidArgument("ack_file", "cannot open " + path + ": " + std::strerror(errno));
  }
  return AckFile(fd);
}

AckFile::AckFile(AckFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

AckFile& AckFile::operator=(AckFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

AckFile::~AckFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status AckFile::Append(std::string_view lines) {
  while (!lines.empty()) {
    ssize_t n = ::write(fd_, lines.data(), lines.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("writing the ack file: ") + std::strerror(errno));
    }
    lines.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

}  // namespace unmogrowp
