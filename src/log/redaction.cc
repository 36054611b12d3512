#include "log/redaction.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>

#include "core/logging.h"
#include "event/log_payload.h"
#include "log/buffered_file_reader.h"
#include "log/record_format.h"
#include "log/segment_index.h"

namespace unmogrowp::log_redaction {

namespace {

constexpr std::string_view kTempSuffix = ".redact";
// The copy is written in pieces of about this size.
constexpr size_t kWriteChunkBytes = 1 << 20;

// Reads the records of one sealed segment file in order, verifying each.
class SegmentRecords {
 public:
  SegmentRecords(std::string path, std::unique_ptr<RandomAccessFile> file, uint64_t size)
      : path_(std::move(path)), file_(std::move(file)), reader_(file_.get()), size_(size) {}

  bool done() const { return pos_ >= size_; }
  uint64_t pos() const { return pos_; }

  // The framed record (header and payload) at pos(), then moves past it.
  Result<std::string_view> Next() {
    if (size_ - pos_ < log_format::kHeaderBytes) return CorruptionAt("incomplete record header");
    UM_ASSIGN_OR_RETURN(std::string_view header,
                        reader_.Read(pos_, log_format::kHeaderBytes, size_));
    if (header.size() < log_format::kHeaderBytes) return CorruptionAt("segment file is too short");
    uint32_t payload_bytes = log_format::DecodeHeader(header.data()).payload_bytes;
    if (payload_bytes > log_format::kMaxPayloadBytes) {
      return CorruptionAt(fmt::format("record length {} exceeds the limit", payload_bytes));
    }
    uint64_t framed = log_format::FramedSize(payload_bytes);
    if (size_ - pos_ < framed) return CorruptionAt("record runs past the end of the segment");
    UM_ASSIGN_OR_RETURN(std::string_view bytes, reader_.Read(pos_, framed, size_));
    if (bytes.size() < framed) return CorruptionAt("segment file is too short");
    if (!log_format::CrcMatches(bytes)) return CorruptionAt("CRC mismatch");
    pos_ += framed;
    return bytes;
  }

 private:
  Status CorruptionAt(std::string_view what) const {
    return Status::Corruption(fmt::format(
        "event log: {} at byte {} of {}; not redacting this segment", what, pos_, path_));
  }

  const std::string path_;
  const std::unique_ptr<RandomAccessFile> file_;
  BufferedFileReader reader_;
  const uint64_t size_;
  uint64_t pos_ = 0;
};

Result<std::unique_ptr<SegmentRecords>> OpenSegment(FileSystem* fs, const std::string& path,
                                                    uint64_t size) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs->NewRandomAccessFile(path));
  return std::make_unique<SegmentRecords>(path, std::move(file), size);
}

// Writes to `temp` a copy of the segment at `path` with the records at
// `positions` redacted, and fdatasyncs it.
Status WriteRedactedCopy(FileSystem* fs, const std::string& path, const std::string& temp,
                         uint64_t size, const std::vector<uint64_t>& positions) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<SegmentRecords> records, OpenSegment(fs, path, size));
  UM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs->NewAppendableFile(temp));
  std::string chunk;
  chunk.reserve(kWriteChunkBytes);
  auto next = positions.begin();
  while (!records->done()) {
    const uint64_t pos = records->pos();
    UM_ASSIGN_OR_RETURN(std::string_view record, records->Next());
    const size_t start = chunk.size();
    chunk.append(record);
    if (next != positions.end() && *next == pos) {
      char* framed = chunk.data() + start;
      RedactPayload(framed + log_format::kHeaderBytes, record.size() - log_format::kHeaderBytes);
      log_format::RewriteCrc(framed);
      ++next;
    }
    if (chunk.size() >= kWriteChunkBytes) {
      UM_RETURN_IF_ERROR(out->Append(chunk));
      chunk.clear();
    }
  }
  if (next != positions.end()) {
    return Status::Internal(
        fmt::format("event log: no record starts at byte {} of {} to redact", *next, path));
  }
  UM_RETURN_IF_ERROR(out->Append(chunk));
  if (out->position() != size) {
    return Status::Internal(fmt::format("event log: redacted copy {} is {} bytes, expected {}",
                                        temp, out->position(), size));
  }
  UM_RETURN_IF_ERROR(out->Sync());
  return out->Close();
}

}  // namespace

std::string TempFileName(const std::string& dir, uint64_t base) {
  return SegmentFileName(dir, base) + std::string(kTempSuffix);
}

Result<SegmentPlan> PlanSegment(FileSystem* fs, const std::string& dir, uint64_t base, uint64_t end,
                                uint64_t before_offset,
                                const std::function<bool(const LogRecord&)>& redact) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<SegmentRecords> records,
                      OpenSegment(fs, SegmentFileName(dir, base), end - base));
  SegmentPlan plan;
  bool all_redacted = true;
  while (!records->done()) {
    const uint64_t offset = base + records->pos();
    if (offset >= before_offset) {
      all_redacted = false;
      break;
    }
    UM_ASSIGN_OR_RETURN(std::string_view framed, records->Next());
    LogRecord record;
    record.offset = offset;
    record.next_offset = offset + framed.size();
    record.payload = framed.substr(log_format::kHeaderBytes);
    if (record.payload.empty() || KindOfPayload(record.payload) == PayloadKind::kRedacted) continue;
    if (redact(record)) {
      plan.positions.push_back(offset - base);
    } else {
      all_redacted = false;
    }
  }
  plan.all_redacted = all_redacted;
  return plan;
}

Status RewriteSegment(FileSystem* fs, const std::string& dir, uint64_t base, uint64_t size,
                      const std::vector<uint64_t>& positions) {
  const std::string path = SegmentFileName(dir, base);
  const std::string temp = TempFileName(dir, base);
  // Left by an earlier attempt that failed: start from an empty file.
  if (fs->FileSize(temp).ok()) UM_RETURN_IF_ERROR(fs->RemoveFile(temp));
  Status status = WriteRedactedCopy(fs, path, temp, size, positions);
  // The copy is complete and durable before its name can replace the
  // segment's, so the rename exposes either the old file or the new one.
  if (status.ok()) status = fs->RenameFile(temp, path);
  if (!status.ok()) {
    if (fs->FileSize(temp).ok()) {
      Status removed = fs->RemoveFile(temp);
      if (!removed.ok()) {
        Log("log").warn("event log: could not remove {} after a failed redaction: {}", temp,
                        removed.ToString());
      }
    }
    return status;
  }
  return fs->SyncDir(dir);
}

Status RemoveTempFiles(FileSystem* fs, const std::string& dir) {
  UM_ASSIGN_OR_RETURN(std::vector<std::string> names, fs->ListDir(dir));
  bool removed = false;
  for (const std::string& name : names) {
    if (name.size() <= kTempSuffix.size() ||
        name.compare(name.size() - kTempSuffix.size(), kTempSuffix.size(), kTempSuffix) != 0 ||
        !ParseSegmentFileName(name.substr(0, name.size() - kTempSuffix.size()))) {
      continue;
    }
    UM_RETURN_IF_ERROR(fs->RemoveFile(dir + "/" + name));
    Log("log").info("event log: removed {}/{}, left by a redaction that did not finish", dir, name);
    removed = true;
  }
  if (removed) UM_RETURN_IF_ERROR(fs->SyncDir(dir));
  return Status::OK();
}

}  // namespace unmogrowp::log_redaction
