#pragma once

// AckFile: the load generator's record of acknowledged events, one event_id
// per line appended to a file, so a test can compare what the server
// acknowledged with what it later reports. Lines are written (write(2),
// O_APPEND) as soon as their acknowledgement is handled -- each Append is
// whole lines -- so the file can be read while the load runs.
//
// Thread-safe: concurrent Appends of whole-line chunks do not interleave
// within a line (O_APPEND writes of a regular file are atomic on Linux).

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"

namespace unmogrowp {

class AckFile {
 public:
  // Opens (creating, never truncating) `path` for appending.
  static Result<AckFile> Open(const std::string& path);

  AckFile(AckFile&& other) noexcept;
  AckFile& operator=(AckFile&& other) noexcept;
  AckFile(const AckFile&) = delete;
  AckFile& operator=(const AckFile&) = delete;
  ~AckFile();

  // Writes `lines` (complete lines, each ending in '\n') to the file.
  Status Append(std::string_view lines);

 private:
  explicit AckFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace unmogrowp
