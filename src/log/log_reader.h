#pragma once

// SegmentLogReader: the LogReader of the segmented log. Reads records in
// order from a starting offset, crossing segment files, verifying each CRC,
// and stops at the index's durable end, so it never returns a record that is
// not covered by a completed fdatasync. Returns false when caught up; call
// Next again later to tail.
//
// Threading: one reader is used by one thread at a time. The SegmentIndex and
// FileSystem it was created with must outlive it (for SegmentedLog readers:
// destroy readers before the log).

#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "log/buffered_file_reader.h"
#include "log/event_log.h"
#include "log/file_system.h"
#include "log/segment_index.h"

namespace unmogrowp {

class SegmentLogReader final : public LogReader {
 public:
  // Fails with InvalidArgument if `offset` is past the durable end or is not
  // a record boundary (checked by scanning its segment from the start). An
  // offset below the first segment (dropped by SegmentedLog::Redact) starts
  // at the first segment's first record, and so does a reader whose position
  // is in segments dropped later.
  static Result<std::unique_ptr<SegmentLogReader>> Create(FileSystem* fs, const SegmentIndex* index,
                                                          uint64_t offset);

  Result<bool> Next(LogRecord* record) override;

  // Offset of the next record Next would return.
  uint64_t position() const { return position_; }

 private:
  SegmentLogReader(FileSystem* fs, const SegmentIndex* index, uint64_t position)
      : fs_(fs), index_(index), position_(position) {}

  // Reads the record at position_ (which must be below `durable_end`)
  // without advancing. `verify_crc` is off only for the boundary scan.
  Result<LogRecord> ReadRecord(uint64_t durable_end, bool verify_crc);
  Status OpenSegmentFor(uint64_t offset);
  Status CorruptionAt(std::string_view what) const;

  FileSystem* const fs_;
  const SegmentIndex* const index_;
  uint64_t position_;

  // The open segment, if any.
  std::unique_ptr<RandomAccessFile> file_;
  std::unique_ptr<BufferedFileReader> buffered_;
  SegmentIndex::Span span_;
  uint64_t span_generation_ = 0;
};

}  // namespace unmogrowp
