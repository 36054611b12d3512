#pragma once

// Recovery of a log directory after a clean or unclean shutdown: checks that
// the segments are contiguous, scans the last segment, and tells a torn tail
// (cut away, with a warning) from corruption inside the synced region (an
// error: refuse to start). The rule is specified in
// docs/formats/event-log.md, "Recovery". Stateless; call it with the
// directory not being written.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "log/file_system.h"

namespace unmogrowp {

enum class RecoveryMode {
  kRepair,    // truncate a torn tail (durably) -- SegmentedLog::Open
  kReadOnly,  // leave files alone; a torn tail just ends the log -- DumpLog
};

struct RecoveredLog {
  std::vector<uint64_t> segment_bases;  // ascending; empty for a directory without segments
  uint64_t end_offset = 0;              // just past the last valid record
  uint64_t torn_bytes = 0;              // torn tail cut (kRepair) or ignored (kReadOnly)
};

Result<RecoveredLog> RecoverLog(FileSystem* fs, const std::string& dir, RecoveryMode mode);

}  // namespace unmogrowp
