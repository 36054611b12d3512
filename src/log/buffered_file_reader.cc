#include "log/buffered_file_reader.h"

#include <algorithm>
#include <cassert>

namespace unmogrowp {

Result<std::string_view> BufferedFileReader::Read(uint64_t pos, size_t n, uint64_t limit) {
  assert(pos + n <= limit);
  if (pos >= buffer_pos_ && pos + n <= buffer_pos_ + buffer_len_) {
    return std::string_view(buffer_.get() + (pos - buffer_pos_), n);
  }
  size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, read_ahead_), limit - pos));
  if (want > capacity_) {
    buffer_ = std::make_unique_for_overwrite<char[]>(want);
    capacity_ = want;
  }
  buffer_len_ = 0;
  UM_ASSIGN_OR_RETURN(size_t got, file_->Read(pos, want, buffer_.get()));
  buffer_pos_ = pos;
  buffer_len_ = got;
  return std::string_view(buffer_.get(), std::min(n, got));
}

}  // namespace unmogrowp
