#include "log/recovery.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
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
  // Every byte from valid_end to the end of the file is zero: the writer's
  // zero pre-allocation (docs/formats/event-log.md).
  bool zero_tail = false;
  // Byte position of a valid group-start record after valid_end, if any:
  // evidence that the bad bytes were synced.
  std::optional<uint64_t> synced_record_after;
};

constexpr size_t kZeroCheckBytes = 64 << 10;
const char kZeros[kZeroCheckBytes] = {};

// True when bytes [from, size) of the file are all zero. A file that ends
// early was cut meanwhile -- only ever a zero tail, by a live writer's Close
// (DumpLog takes no lock) -- and is judged by what is left.
Result<bool> AllZero(BufferedFileReader& reader, uint64_t from, uint64_t size) {
  for (uint64_t pos = from; pos < size;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kZeroCheckBytes, size - pos));
    UM_ASSIGN_OR_RETURN(std::string_view bytes, reader.Read(pos, n, size));
    if (std::memcmp(bytes.data(), kZeros, bytes.size()) != 0) return false;
    if (bytes.size() < n) break;
    pos += n;
  }
  return true;
}

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
    UM_ASSIGN_OR_RETURN(scan.zero_tail, AllZero(reader, scan.valid_end, size));
  }
  // An all-zero header is never valid, so a zero tail holds no evidence.
  if (scan.valid_end < size && !scan.zero_tail) {
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
  if (scan.synced_record_after && mode == RecoveryMode::kReadOnly) {
    // Without the lock a server may be writing this segment, into its zero
    // tail: groups written after the scan read `bad` look like evidence.
    // Synced bytes never change, so if the record at `bad` has become valid
    // since, this is the end of a live log, not corruption.
    UM_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs->NewRandomAccessFile(path));
    UM_ASSIGN_OR_RETURN(uint64_t size_now, fs->FileSize(path));
    BufferedFileReader reader(file.get());
    std::string problem;
    UM_ASSIGN_OR_RETURN(uint64_t framed, CheckRecord(reader, bad, size_now, &problem));
    if (framed > 0) {
      Log("log").info("event log: {} is being written; reading it up to byte {}", path, bad);
      recovered.end_offset = last_base + bad;
      return recovered;
    }
  }
  if (scan.synced_record_after) {
    return Status::Corruption(fmt::format(
        "event log: corruption in {} at byte {} (offset {}): {}, and valid records follow at byte "
        "{}, so this was synced data, not a torn write. Refusing to start. Inspect it with "
        "DumpLog (log/dump_log.h); restore this segment from a replica or backup, or (losing "
        "every event from offset {} on) truncate the file to {} bytes and restart",
        path, bad, last_base + bad, scan.problem, *scan.synced_record_after, last_base + bad, bad));
  }
  recovered.end_offset = last_base + bad;
  const uint64_t tail = size - bad;
  if (tail == 0) return recovered;
  if (scan.zero_tail) {
    recovered.zero_tail_bytes = tail;
  } else {
    recovered.torn_bytes = tail;
  }
  if (mode == RecoveryMode::kReadOnly) {
    Log("log").info("event log: {} ends in a {} of {} bytes at byte {} ({}); ignored", path,
                    scan.zero_tail ? "zero pre-allocation" : "torn tail", tail, bad, scan.problem);
    return recovered;
  }
  UM_RETURN_IF_ERROR(fs->TruncateFile(path, bad));
  UM_RETURN_IF_ERROR(fs->SyncDir(dir));
  if (scan.zero_tail) {
    // The normal leftover of a run that did not close cleanly: nothing to warn about.
    Log("log").info(
        "event log: {}: dropped the {}-byte zero pre-allocation at byte {} (offset {}) after the "
        "last record",
        path, tail, bad, last_base + bad);
  } else {
    Log("log").warn(
        "event log: truncated torn tail of {}: dropped {} bytes from byte {} (offset {}) to end "
        "of file ({}); records before it are intact",
        path, tail, bad, last_base + bad, scan.problem);
  }
  return recovered;
}

}  // namespace unmogrowp
