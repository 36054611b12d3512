#include "cli/load_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "cli/http_response_parser.h"

namespace unmogrowp {

Result<LoadInput> LoadInput::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::InvalidArgument("input", "cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || st.st_size == 0) {
    ::close(fd);
    return Status::InvalidArgument("input", path + " is empty or unreadable");
  }
  void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    return Status::InvalidArgument("input", "cannot map " + path + ": " + std::strerror(errno));
  }
  ::madvise(map, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
  LoadInput input;
  input.data_ = static_cast<const char*>(map);
  input.mapped_bytes_ = static_cast<size_t>(st.st_size);
  const char* p = input.data_;
  const char* end = input.data_ + input.mapped_bytes_;
  while (p < end) {
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (eol == nullptr) eol = end;
    const char* stop = eol;
    if (stop > p && stop[-1] == '\r') --stop;
    const char* first = p;
    while (first < stop && (*first == ' ' || *first == '\t')) ++first;
    if (first < stop) {
      if (stop - p > UINT32_MAX) return Status::InvalidArgument("input", "a line is over 4 GiB");
      input.starts_.push_back(static_cast<uint64_t>(p - input.data_));
      input.lengths_.push_back(static_cast<uint32_t>(stop - p));
    }
    p = eol + 1;
  }
  if (input.starts_.empty()) return Status::InvalidArgument("input", path + " holds no event");
  return input;
}

LoadInput::LoadInput(LoadInput&& other) noexcept { *this = std::move(other); }

LoadInput& LoadInput::operator=(LoadInput&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), mapped_bytes_);
    data_ = std::exchange(other.data_, nullptr);
    mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
    starts_ = std::move(other.starts_);
    lengths_ = std::move(other.lengths_);
  }
  return *this;
}

LoadInput::~LoadInput() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), mapped_bytes_);
}

std::string_view LoadInput::event_id(size_t i) const {
  return JsonStringField(line(i), "event_id");
}

}  // namespace unmogrowp
