#pragma once

// In-place redaction of sealed segment files (docs/formats/event-log.md,
// "Redaction and dropped segments"): the scan that picks the records whose
// payloads to wipe, the crash-safe rewrite of one segment (a copy with those
// payloads redacted, fdatasynced, renamed over the segment, directory
// fsynced), and the cleanup of a rewrite's leftover temp file. Driven by
// SegmentedLog::Redact.
//
// Stateless functions. The segment must be sealed (the writer never touches
// it again), and only one rewrite of a directory may run at a time.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "log/event_log.h"
#include "log/file_system.h"

namespace unmogrowp::log_redaction {

// What PlanSegment found in one sealed segment.
struct SegmentPlan {
  // Byte positions in the file, ascending, of the records to redact.
  std::vector<uint64_t> positions;
  // Once `positions` are redacted, every record of the segment is redacted
  // (an empty payload holds nothing and counts as redacted). Only set when
  // the whole segment lies below `before_offset`.
  bool all_redacted = false;
};

// Reads the sealed segment of `dir` that holds offsets [base, end), verifying
// every CRC (Corruption, naming the file and byte, otherwise: a damaged
// record is never rewritten with a fresh CRC), and calls `redact` on each
// record with offset < `before_offset` that is neither redacted nor empty;
// those for which it returns true are planned for redaction. `redact` runs on
// the calling thread and must not call back into the log.
Result<SegmentPlan> PlanSegment(FileSystem* fs, const std::string& dir, uint64_t base, uint64_t end,
                                uint64_t before_offset,
                                const std::function<bool(const LogRecord&)>& redact);

// Replaces the sealed segment `base` of `dir`, `size` bytes, by a copy in
// which the records at `positions` (from PlanSegment) carry a redacted payload
// of the same length and a recomputed CRC: writes the copy to
// TempFileName(dir, base), fdatasyncs it, renames it over the segment and
// fsyncs the directory. After a crash at any point the segment is either the
// old file or the new one. On error the temp file is removed when possible.
Status RewriteSegment(FileSystem* fs, const std::string& dir, uint64_t base, uint64_t size,
                      const std::vector<uint64_t>& positions);

// "<dir>/<segment file name>.redact": where RewriteSegment writes its copy.
std::string TempFileName(const std::string& dir, uint64_t base);

// Removes every temp file a rewrite left in `dir` (a crash before its
// rename), then fsyncs the directory if there was one. Call before the log
// is opened for writing, holding its lock.
Status RemoveTempFiles(FileSystem* fs, const std::string& dir);

}  // namespace unmogrowp::log_redaction
