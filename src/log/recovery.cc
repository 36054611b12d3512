#include "log/recovery.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/logging.h"
#include "log/buffered_file_reader.h"
#include "log/record_format.h"
#include "log/segment_index.h"

namespace unmogrowp {

namespace {

// Result of scanning one segment file from byte 0.
struct SegmentScan {
  uint64_t valid_end = 0;  // byte just past the last valid record
  std::string problem;     // why the record at valid_end is not valid
  // Byte position of a valid group-start record after valid_end, if any:
  // evidence that the bad bytes were synced.
  std::optional<uint64_t> synced_record_after;
};

// Checks the record at `pos`; returns its framed size, or sets `problem`.
Result<uint64_t> CheckRecord(BufferedFileReader& reader, uint64_t pos, uint64_t size,
                             std::string* problem) {
  if (size - pos < log_format::kHeaderBytes) {
    *problem = fmt::format("incomplete record header ({} bytes)", size - pos);
    return 0;
  }
  UM_ASSIGN_OR_RETURN(std::string_view header, reader.Read(pos, log_format::kHeaderBytes, size));
  if (header.size() < log_format::kHeaderBytes) {
    return Status::IOError("segment file shrank while being scanned");
  }
  log_format::RecordHeader decoded = log_format::DecodeHeader(header.data());
  if (decoded.payload_bytes > log_format::kMaxPayloadBytes) {
    *problem = fmt::format("record length {} exceeds the {}-byte limit", decoded.payload_bytes,
                           log_format::kMaxPayloadBytes);
    return 0;
  }
  uint64_t framed = log_format::FramedSize(decoded.payload_bytes);
  if (size - pos < framed) {
    *problem = fmt::format("record of {} bytes runs past the end of the file ({} bytes left)",
                           framed, size - pos);
    return 0;
  }
  UM_ASSIGN_OR_RETURN(std::string_view record, reader.Read(pos, framed, size));
  if (record.size() < framed) return Status::IOError("segment file shrank while being scanned");
  if (!log_format::CrcMatches(record)) {
    bool zero = std::all_of(record.begin(), record.end(), [](char c) { return c == 0; });
    *problem = zero ? std::string("zero-filled bytes") : std::string("CRC mismatch");
    return 0;
  }
  return framed;
}

// Looks for a valid group-start record starting anywhere in (from, size).
Result<std::optional<uint64_t>> FindSyncedRecordAfter(BufferedFileReader& reader, uint64_t from,
                                                      uint64_t size) {
  for (uint64_t q = from + 1; q + log_format::kHeaderBytes <= size; ++q) {
    UM_ASSIGN_OR_RETURN(std::string_view header, reader.Read(q, log_format::kHeaderBytes, size));
    if (header.size() < log_format::kHeaderBytes) break;
    log_format::RecordHeader decoded = log_format::DecodeHeader(header.data());
    if (!decoded.group_start || decoded.payload_bytes > log_format::kMaxPayloadBytes) continue;
    uint64_t framed = log_format::FramedSize(decoded.payload_bytes);
    if (size - q < framed) continue;
    UM_ASSIGN_OR_RETURN(std::string_view record, reader.Read(q, framed, size));
    if (record.size() == framed && log_format::CrcMatches(record)) return std::optional(q);
  }
  return std::optional<uint64_t>();
}

Result<SegmentScan> ScanSegment(FileSystem* fs, const std::string& path, uint64_t size) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs->NewRandomAccessFile(path));
  BufferedFileReader reader(file.get());
  SegmentScan scan;
  while (scan.valid_end < size) {
    UM_ASSIGN_OR_RETURN(uint64_t framed, CheckRecord(reader, scan.valid_end, size, &scan.problem));
    if (framed == 0) break;
    scan.valid_end += framed;
  }
  if (scan.valid_end < size) {
    UM_ASSIGN_OR_RETURN(scan.synced_record_after,
                        FindSyncedRecordAfter(reader, scan.valid_end, size));
  }
  return scan;
}

}  // namespace

Result<RecoveredLog> RecoverLog(FileSystem* fs, const std::string& dir, RecoveryMode mode) {
  UM_ASSIGN_OR_RETURN(std::vector<std::string> names, fs->ListDir(dir));
  RecoveredLog recovered;
  for (const std::string& name : names) {
    if (std::optional<uint64_t> base = ParseSegmentFileName(name)) {
      recovered.segment_bases.push_back(*base);
    }
  }
  std::sort(recovered.segment_bases.begin(), recovered.segment_bases.end());
  const std::vector<uint64_t>& bases = recovered.segment_bases;
  if (bases.empty()) return recovered;

  for (size_t i = 0; i + 1 < bases.size(); ++i) {
    std::string path = SegmentFileName(dir, bases[i]);
    UM_ASSIGN_OR_RETURN(uint64_t size, fs->FileSize(path));
    if (bases[i] + size != bases[i + 1]) {
      return Status::Corruption(fmt::format(
          "event log: segments are not contiguous: {} holds {} bytes so ends at offset {}, but the "
          "next segment is {}; a segment file is missing, truncated or was appended to. Refusing "
          "to start: restore the directory from a replica or backup",
          path, size, bases[i] + size, SegmentFileName(dir, bases[i + 1])));
    }
  }

  uint64_t last_base = bases.back();
  std::string path = SegmentFileName(dir, last_base);
  UM_ASSIGN_OR_RETURN(uint64_t size, fs->FileSize(path));
  UM_ASSIGN_OR_RETURN(SegmentScan scan, ScanSegment(fs, path, size));
  uint64_t bad = scan.valid_end;
  if (scan.synced_record_after) {
    return Status::Corruption(fmt::format(
        "event log: corruption in {} at byte {} (offset {}): {}, and valid records follow at byte "
        "{}, so this was synced data, not a torn write. Refusing to start. Inspect it with "
        "DumpLog (log/dump_log.h); restore this segment from a replica or backup, or (losing "
        "every event from offset {} on) truncate the file to {} bytes and restart",
        path, bad, last_base + bad, scan.problem, *scan.synced_record_after, last_base + bad, bad));
  }
  recovered.end_offset = last_base + bad;
  recovered.torn_bytes = size - bad;
  if (recovered.torn_bytes > 0) {
    if (mode == RecoveryMode::kRepair) {
      UM_RETURN_IF_ERROR(fs->TruncateFile(path, bad));
      UM_RETURN_IF_ERROR(fs->SyncDir(dir));
      Log("log").warn(
          "event log: truncated torn tail of {}: dropped {} bytes from byte {} (offset {}) to end "
          "of file ({}); records before it are intact",
          path, recovered.torn_bytes, bad, last_base + bad, scan.problem);
    } else {
      Log("log").info("event log: {} ends in a torn tail of {} bytes at byte {} ({}); ignored",
                      path, recovered.torn_bytes, bad, scan.problem);
    }
  }
  return recovered;
}

}  // namespace unmogrowp
