#pragma once

// Recovery of a log directory after a clean or unclean shutdown: checks that
// the segments are contiguous, scans the last segment, and tells the writer's
// zero pre-allocation (cut away quietly) and a torn tail (cut away, with a
// warning) from corruption inside the synced region (an error: refuse to
// start). The rule is specified in
// docs/formats/event-log.md, "Recovery". Stateless; call it with the
// directory not being written.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "log/file_system.h"

namespace unmogrowp {

enum class RecoveryMode {
  kRepair,    // truncate a torn or zero tail (durably) -- SegmentedLog::Open
  kReadOnly,  // leave files alone; a torn or zero tail just ends the log -- DumpLog
};

struct RecoveredLog {
  std::vector<uint64_t> segment_bases;  // ascending; empty for a directory without segments
  uint64_t end_offset = 0;              // just past the last valid record
  // Bytes past the last valid record of the last segment, cut (kRepair) or
  // ignored (kReadOnly): all zero (the writer's pre-allocation), or a torn
  // tail. At most one of the two is non-zero.
  uint64_t zero_tail_bytes = 0;
  uint64_t torn_bytes = 0;
};

Result<RecoveredLog> RecoverLog(FileSystem* fs, const std::string& dir, RecoveryMode mode);

}  // namespace unmogrowp
