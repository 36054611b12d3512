#pragma once

// BufferedFileReader: positional reads of one file through a read-ahead
// buffer, for the sequential scans of recovery and log readers. Bytes at or
// past the caller's `limit` are never read or cached, so a reader bounded by
// the durable end never caches bytes that a concurrent write is still
// changing. Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/result.h"
#include "log/file_system.h"

namespace unmogrowp {

class BufferedFileReader {
 public:
  static constexpr size_t kDefaultReadAhead = 1 << 20;

  // `file` is not owned and must outlive this reader.
  explicit BufferedFileReader(const RandomAccessFile* file, size_t read_ahead = kDefaultReadAhead)
      : file_(file), read_ahead_(read_ahead) {}

  // Bytes [pos, pos + n) of the file, requiring pos + n <= limit; shorter only
  // if the file ends first. Valid until the next call.
  Result<std::string_view> Read(uint64_t pos, size_t n, uint64_t limit);

 private:
  const RandomAccessFile* const file_;
  const size_t read_ahead_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  uint64_t buffer_pos_ = 0;  // file position of buffer_[0]
  size_t buffer_len_ = 0;    // valid bytes in buffer_
};

}  // namespace unmogrowp
