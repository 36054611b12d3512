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
// Threading: every public method may be called from any thread. Callbacks run
// on the log's completion thread (after Close, on the calling thread). Readers
// from NewReader must be destroyed before the log.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
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
    // unmogrowp_log_records_total and unmogrowp_log_prefilled_bytes_total,
    // gauge unmogrowp_log_pending_bytes.
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

  std::mutex close_mu_;  // serializes Close calls

  std::mutex completion_mu_;
  std::condition_variable completion_cv_;
  std::vector<Completion> completions_;
  bool completion_stopping_ = false;
  bool completion_stopped_ = false;

  std::thread writer_;
  std::thread completer_;
};

}  // namespace unmogrowp
