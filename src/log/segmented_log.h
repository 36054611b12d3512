#pragma once

// SegmentedLog: the embedded EventLog -- append-only segment files with a CRC
// per record and group-commit fdatasync (format: docs/formats/event-log.md).
//
// Append frames the batch on the caller's thread and queues it; one writer
// thread takes everything queued, writes it with one write, calls fdatasync
// once, and only then hands the group's callbacks (OK + first offset) to a
// completion thread that runs them. While the writer syncs, new appends
// gather for the next group; between groups it keeps zeros written ahead of
// the data end (Options::prefill_chunk_bytes). A write or fdatasync error
// makes the log sticky-failed: every pending and later Append gets
// Unavailable until the process restarts and Open recovers the directory.
//
// Redact rewrites sealed segments in place to wipe chosen records (privacy
// erasure, retention) and drops leading segments that hold nothing else; it
// runs on the caller's thread beside appends and readers.
//
// Threading: every public method may be called from any thread. Callbacks run
// on the log's completion thread (after Close, on the calling thread). Readers
// from NewReader must be destroyed before the log.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/status.h"
#include "log/event_log.h"
#include "log/file_system.h"
#include "log/segment_index.h"

namespace unmogrowp {

class SegmentedLog final : public EventLog {
 public:
  struct Options {
    // Directory of the segment files; created if missing (its parent must
    // exist). Required.
    std::string dir;

    // Once the active segment reaches this size (checked after each write
    // group, so a segment can exceed it by one group) a new segment file is
    // started, which costs a file creation and a directory fsync. Larger:
    // fewer files; smaller: less to scan on open (only the last segment is
    // scanned) and finer-grained retention. Default 256 MiB.
    uint64_t segment_bytes = uint64_t{256} << 20;

    // Zero pre-allocation (docs/formats/event-log.md, "Zero pre-allocation"):
    // between write groups the writer keeps the active segment filled with
    // real zero bytes ahead of its last record, writing this many more (never
    // past segment_bytes) whenever fewer than half of it are left, so that
    // the group fdatasyncs overwrite existing blocks and, on ext4, skip the
    // journal commit a growing file needs -- one commit per chunk instead of
    // one per group. Done only while recent write groups average under
    // 32 KiB: for bigger groups that commit is amortized and writing every
    // byte twice (zeros, then records) costs more than it saves. Larger:
    // fewer commits, a longer zero tail for recovery to check after a crash
    // (~6.5 ns per byte after a torn write). 0 turns it off. Default 1 MiB.
    uint64_t prefill_chunk_bytes = uint64_t{1} << 20;

    // Bytes appended but not yet durable (queued or being written) above
    // which Append fails fast with ResourceExhausted instead of queueing, so a
    // slow or stuck disk turns into 503s rather than unbounded memory. Larger
    // rides out longer disk stalls at the cost of memory and of latency for
    // what is queued. Default 64 MiB. A single batch larger than this fails
    // with InvalidArgument.
    uint64_t max_pending_bytes = uint64_t{64} << 20;

    // Where the files live. Default: the POSIX file system. Tests pass a
    // FaultInjectionFileSystem. Not owned; must outlive the log.
    FileSystem* file_system = FileSystem::Default();

    // Registry for the log's metrics, or nullptr for none. Registers
    // histograms unmogrowp_log_append_seconds (Append -> durable) and
    // unmogrowp_log_fsync_seconds, counters unmogrowp_log_bytes_written_total,
    // unmogrowp_log_records_total, unmogrowp_log_prefilled_bytes_total,
    // unmogrowp_log_redacted_records_total,
    // unmogrowp_log_rewritten_segments_total and
    // unmogrowp_log_dropped_segments_total, gauge unmogrowp_log_pending_bytes.
    // Not owned; must outlive the log. Default nullptr.
    prometheus::Registry* metrics = nullptr;

    // Monotonic time for the latency histograms. Not owned. Default: the
    // system clock.
    const Clock* clock = &SystemClock::Instance();
  };

  // Opens (creating if needed) the log in options.dir: takes the directory
  // lock, runs recovery (a torn tail is truncated; corruption in synced data
  // fails with Corruption naming the file and byte), and starts the writer.
  static Result<std::unique_ptr<SegmentedLog>> Open(Options options);

  // Close()s; logs a close error.
  ~SegmentedLog() override;

  SegmentedLog(const SegmentedLog&) = delete;
  SegmentedLog& operator=(const SegmentedLog&) = delete;

  void Append(EncodedBatch batch, AppendCallback done) override;
  Status Health() const override;
  uint64_t DurableEndOffset() const override;
  Result<std::unique_ptr<LogReader>> NewReader(uint64_t offset) override;

  // Stops accepting appends (later ones get Unavailable), writes and syncs
  // everything queued, runs every outstanding callback, joins the log's
  // threads, cuts the active segment's zero tail (durably; skipped once the
  // log has failed) and closes the files. Returns the sticky error, if any,
  // or the truncation or close error. Idempotent.
  Status Close();

  // Base offsets of the segment files, ascending (for operators and tests).
  std::vector<uint64_t> SegmentBaseOffsets() const { return index_.bases(); }

  struct RedactStats {
    uint64_t segments_rewritten = 0;
    uint64_t records_redacted = 0;
    uint64_t segments_dropped = 0;
  };

  // Starts a new segment now (if the active one holds any record), so that
  // every record appended so far is in a sealed segment and can be redacted.
  // Waits for the writer to have written those records and rolled. Fails with
  // the sticky error once the log has failed, Unavailable once it is closing.
  Status Roll();

  // Redaction (docs/formats/event-log.md, "Redaction and dropped segments").
  // For every sealed segment (not the active one) that starts before
  // `before_offset`: calls `redact(record)` for each of its records with
  // offset < before_offset that is not already redacted (nor empty); if any
  // returns true, writes a copy of the segment in which each such record's
  // payload is replaced by a redacted payload of the same length
  // (RedactPayload, event/log_payload.h) and its CRC recomputed, fsyncs it,
  // renames it over the segment and fsyncs the directory. Offsets, record
  // sizes and all other records are unchanged. A reader that has the old file
  // open keeps reading the old contents. Crash-safe: after a crash the segment
  // is the old file or the new one; Open removes a leftover temp file.
  // Then drops (deletes) leading segments -- oldest first, stopping at the
  // first that does not qualify -- that are sealed, end at or before
  // `before_offset` and hold only redacted records; readers and NewReader
  // asked for an offset inside a dropped range continue at the first
  // remaining segment.
  //
  // `redact` runs on the calling thread and must not call into this log.
  // Appends are never blocked by it; Redact calls are serialized, and Close
  // waits for a running one. Corruption (naming file and byte) if a record of
  // a segment it reads is damaged: nothing of that segment is rewritten.
  Result<RedactStats> Redact(uint64_t before_offset,
                             const std::function<bool(const LogRecord&)>& redact);

 private:
  struct Metrics;
  struct PendingAppend {
    AppendCallback done;
    uint64_t first_offset = 0;
    uint64_t records = 0;
    int64_t enqueued_ns = 0;
  };
  struct Completion {
    AppendCallback done;
    Status status;
    uint64_t first_offset = 0;
  };

  SegmentedLog(Options options, std::unique_ptr<FileLock> lock,
               std::unique_ptr<WritableFile> active, std::vector<uint64_t> bases,
               uint64_t end_offset);

  void WriterLoop();
  // Writes and syncs one group's framed bytes to the active segment.
  Status WriteGroup(std::string& bytes, uint64_t records);
  // Cuts the active segment's zero tail, then starts the segment `new_base`.
  Status RollSegment(uint64_t new_base);
  // Tops up the active segment's zero tail when due (see prefill_chunk_bytes).
  Status MaybePrefill();
  // With mu_ held: a Roll() is waiting and every record it covers is written
  // or queued, so the writer owes it a roll.
  bool RollDueLocked() const;
  // Makes the log sticky-failed because `step` between groups failed.
  void FailBetweenGroups(std::string_view step, const Status& error);
  // Hands callbacks to the completion thread (or runs them if it has stopped).
  void Complete(std::vector<Completion> completions);
  void Complete(AppendCallback done, Status status, uint64_t first_offset);
  void CompletionLoop();

  const Options options_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<FileLock> dir_lock_;
  SegmentIndex index_;

  // Used only by the writer thread (and by Open/Close around it).
  std::unique_ptr<WritableFile> active_;  // position() is the segment's data end
  uint64_t average_group_bytes_;          // moving average, weight 1/8 per group

  mutable std::mutex mu_;
  std::condition_variable writer_cv_;
  std::string pending_bytes_buffer_;    // framed records waiting for the writer
  std::vector<PendingAppend> pending_;  // their appends, in offset order
  uint64_t pending_bytes_ = 0;          // queued + being written, not yet durable
  uint64_t next_offset_;                // offset of the next appended record
  Status failed_;                       // sticky Unavailable after an I/O error
  bool closing_ = false;
  bool closed_ = false;
  Status close_status_;
  uint64_t active_base_ = 0;         // base offset of the active segment
  uint64_t roll_to_ = 0;             // Roll() wants every record below this sealed
  bool writer_exited_ = false;       // the writer thread has returned
  std::condition_variable roll_cv_;  // active_base_, failed_ or writer_exited_ changed

  std::mutex close_mu_;   // serializes Close calls
  std::mutex redact_mu_;  // serializes Redact calls (and Close after them)

  std::mutex completion_mu_;
  std::condition_variable completion_cv_;
  std::vector<Completion> completions_;
  bool completion_stopping_ = false;
  bool completion_stopped_ = false;

  std::thread writer_;
  std::thread completer_;
};

}  // namespace unmogrowp
