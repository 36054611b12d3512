#include "log/log_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "log/record_format.h"

namespace unmogrowp {

Result<std::unique_ptr<SegmentLogReader>> SegmentLogReader::Create(FileSystem* fs,
                                                                   const SegmentIndex* index,
                                                                   uint64_t offset) {
  uint64_t durable_end = index->durable_end();
  if (offset > durable_end) {
    return Status::InvalidArgument(
        "offset", fmt::format("offset {} is past the end of the log ({})", offset, durable_end));
  }
  // Scans from the start of the segment to prove `start` is a record boundary.
  auto create_at = [&](uint64_t start) -> Result<std::unique_ptr<SegmentLogReader>> {
    std::optional<SegmentIndex::Span> span = index->Find(start);
    if (!span) return Status::Internal(fmt::format("no segment holds offset {}", start));
    std::unique_ptr<SegmentLogReader> reader(new SegmentLogReader(fs, index, span->base));
    uint64_t previous = reader->position_;
    while (reader->position_ < start) {
      UM_ASSIGN_OR_RETURN(LogRecord record, reader->ReadRecord(durable_end, /*verify_crc=*/false));
      previous = record.offset;
      reader->position_ = record.next_offset;
    }
    if (reader->position_ != start) {
      return Status::InvalidArgument(
          "offset", fmt::format("offset {} is not a record boundary (records start at {} and {})",
                                start, previous, reader->position_));
    }
    return reader;
  };
  // Offsets below the first segment were dropped (SegmentedLog::Redact): start
  // at the first remaining record.
  uint64_t start = std::max(offset, index->first_base());
  while (true) {
    Result<std::unique_ptr<SegmentLogReader>> reader = create_at(start);
    const uint64_t first = index->first_base();
    if (reader.ok() || first <= start) return reader;
    // The segment holding `start` was dropped while being scanned.
    start = first;
  }
}

Result<bool> SegmentLogReader::Next(LogRecord* record) {
  uint64_t durable_end = index_->durable_end();
  while (true) {
    // Leading segments may have been dropped (SegmentedLog::Redact), even the
    // one this reader is in: continue at the first remaining record.
    position_ = std::max(position_, index_->first_base());
    if (position_ >= durable_end) return false;
    Result<LogRecord> read = ReadRecord(durable_end, /*verify_crc=*/true);
    if (read.ok()) {
      *record = *read;
      position_ = record->next_offset;
      return true;
    }
    // Unless its segment was dropped between finding and opening it.
    if (position_ >= index_->first_base()) return read.status();
  }
}

Result<LogRecord> SegmentLogReader::ReadRecord(uint64_t durable_end, bool verify_crc) {
  // Re-find the segment when leaving it, or when the log has rolled to a new
  // segment since this one was found open-ended.
  if (file_ == nullptr || position_ >= span_.end ||
      (span_.end == SegmentIndex::kOpenEnd && span_generation_ != index_->generation())) {
    UM_RETURN_IF_ERROR(OpenSegmentFor(position_));
  }
  uint64_t limit = std::min(durable_end, span_.end) - span_.base;
  uint64_t pos = position_ - span_.base;
  if (limit - pos < log_format::kHeaderBytes) {
    return CorruptionAt("incomplete record header before the end of durable data");
  }
  UM_ASSIGN_OR_RETURN(std::string_view header,
                      buffered_->Read(pos, log_format::kHeaderBytes, limit));
  if (header.size() < log_format::kHeaderBytes) return CorruptionAt("segment file is too short");
  uint32_t payload_bytes = log_format::DecodeHeader(header.data()).payload_bytes;
  if (payload_bytes > log_format::kMaxPayloadBytes) {
    return CorruptionAt(fmt::format("record length {} exceeds the limit", payload_bytes));
  }
  uint64_t framed = log_format::FramedSize(payload_bytes);
  if (limit - pos < framed) return CorruptionAt("record runs past the end of durable data");
  UM_ASSIGN_OR_RETURN(std::string_view bytes, buffered_->Read(pos, framed, limit));
  if (bytes.size() < framed) return CorruptionAt("segment file is too short");
  if (verify_crc && !log_format::CrcMatches(bytes)) return CorruptionAt("CRC mismatch");
  LogRecord record;
  record.offset = position_;
  record.next_offset = position_ + framed;
  record.payload = bytes.substr(log_format::kHeaderBytes);
  return record;
}

Status SegmentLogReader::OpenSegmentFor(uint64_t offset) {
  span_generation_ = index_->generation();
  std::optional<SegmentIndex::Span> span = index_->Find(offset);
  if (!span) return Status::Internal(fmt::format("no segment holds offset {}", offset));
  if (file_ == nullptr || span->base != span_.base) {
    buffered_.reset();
    file_.reset();
    UM_ASSIGN_OR_RETURN(file_,
                        fs_->NewRandomAccessFile(SegmentFileName(index_->dir(), span->base)));
    buffered_ = std::make_unique<BufferedFileReader>(file_.get());
  }
  span_ = *span;
  return Status::OK();
}

Status SegmentLogReader::CorruptionAt(std::string_view what) const {
  return Status::Corruption(fmt::format("event log: {} at byte {} (offset {}) of {}", what,
                                        position_ - span_.base, position_,
                                        SegmentFileName(index_->dir(), span_.base)));
}

}  // namespace unmogrowp
