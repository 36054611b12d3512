#include "log/segmented_log.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>

#include "core/logging.h"
#include "log/log_reader.h"
#include "log/record_format.h"
#include "log/recovery.h"
#include "log/redaction.h"

namespace unmogrowp {

struct SegmentedLog::Metrics {
  prometheus::Histogram* append_seconds = nullptr;
  prometheus::Histogram* fsync_seconds = nullptr;
  prometheus::Counter* bytes_written = nullptr;
  prometheus::Counter* records = nullptr;
  prometheus::Counter* prefilled_bytes = nullptr;
  prometheus::Counter* redacted_records = nullptr;
  prometheus::Counter* rewritten_segments = nullptr;
  prometheus::Counter* dropped_segments = nullptr;
  prometheus::Gauge* pending_bytes = nullptr;

  explicit Metrics(prometheus::Registry& registry) {
    // 50 us .. 2.5 s: an fdatasync here takes ~0.25-0.5 ms; a stuck disk shows
    // up in the top buckets.
    const prometheus::Histogram::BucketBoundaries buckets = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
        0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};
    append_seconds = &prometheus::BuildHistogram()
                          .Name("unmogrowp_log_append_seconds")
                          .Help("Event log append latency, from Append to durable (fdatasync done)")
                          .Register(registry)
                          .Add({}, buckets);
    fsync_seconds = &prometheus::BuildHistogram()
                         .Name("unmogrowp_log_fsync_seconds")
                         .Help("Event log fdatasync duration, one per write group")
                         .Register(registry)
                         .Add({}, buckets);
    bytes_written = &prometheus::BuildCounter()
                         .Name("unmogrowp_log_bytes_written_total")
                         .Help("Bytes (framed records) durably written to the event log")
                         .Register(registry)
                         .Add({});
    records = &prometheus::BuildCounter()
                   .Name("unmogrowp_log_records_total")
                   .Help("Records durably written to the event log")
                   .Register(registry)
                   .Add({});
    prefilled_bytes = &prometheus::BuildCounter()
                           .Name("unmogrowp_log_prefilled_bytes_total")
                           .Help("Zero bytes written ahead of the active segment's last record")
                           .Register(registry)
                           .Add({});
    redacted_records = &prometheus::BuildCounter()
                            .Name("unmogrowp_log_redacted_records_total")
                            .Help("Event log records whose payload Redact wiped in place")
                            .Register(registry)
                            .Add({});
    rewritten_segments = &prometheus::BuildCounter()
                              .Name("unmogrowp_log_rewritten_segments_total")
                              .Help("Event log segments Redact rewrote with wiped records")
                              .Register(registry)
                              .Add({});
    dropped_segments = &prometheus::BuildCounter()
                            .Name("unmogrowp_log_dropped_segments_total")
                            .Help("Event log segments Redact deleted (every record wiped)")
                            .Register(registry)
                            .Add({});
    pending_bytes = &prometheus::BuildGauge()
                         .Name("unmogrowp_log_pending_bytes")
                         .Help("Bytes appended to the event log and not yet durable")
                         .Register(registry)
                         .Add({});
  }
};

namespace {

// Pre-fill only while write groups average below this. Pre-filling saves
// one journal commit per group but writes every byte twice (zeros, then
// records). Measured on the development VM's ext4 (1 group in flight, best
// of 20 runs): 4 KiB groups -8% time per record, 16 KiB -20%, 62 KiB +5%, 208 KiB
// +20% -- the break-even is near 50 KiB, and batch ingest (~200 KiB+ groups)
// must not pay.
constexpr uint64_t kPrefillMaxAverageGroupBytes = 32 << 10;

double SecondsBetween(int64_t start_ns, int64_t end_ns) {
  return static_cast<double>(end_ns - start_ns) / 1e9;
}

}  // namespace

Result<std::unique_ptr<SegmentedLog>> SegmentedLog::Open(Options options) {
  if (options.dir.empty()) return Status::InvalidArgument("dir", "event log: dir is required");
  if (options.segment_bytes == 0) {
    return Status::InvalidArgument("segment_bytes", "event log: segment_bytes must be > 0");
  }
  if (options.max_pending_bytes == 0) {
    return Status::InvalidArgument("max_pending_bytes", "event log: max_pending_bytes must be > 0");
  }
  if (options.file_system == nullptr || options.clock == nullptr) {
    return Status::InvalidArgument("file_system", "event log: file_system and clock are required");
  }
  FileSystem* fs = options.file_system;
  const std::string& dir = options.dir;
  UM_RETURN_IF_ERROR(fs->CreateDirIfMissing(dir));
  UM_ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock, fs->LockFile(dir + "/LOCK"));
  UM_RETURN_IF_ERROR(log_redaction::RemoveTempFiles(fs, dir));
  UM_ASSIGN_OR_RETURN(RecoveredLog recovered, RecoverLog(fs, dir, RecoveryMode::kRepair));
  bool fresh = recovered.segment_bases.empty();
  if (fresh) recovered.segment_bases.push_back(0);
  uint64_t active_base = recovered.segment_bases.back();
  UM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> active,
                      fs->NewAppendableFile(SegmentFileName(dir, active_base)));
  if (fresh) UM_RETURN_IF_ERROR(fs->SyncDir(dir));
  if (active->position() != recovered.end_offset - active_base) {
    return Status::Internal(fmt::format("event log: {} is {} bytes after recovery, expected {}",
                                        SegmentFileName(dir, active_base), active->position(),
                                        recovered.end_offset - active_base));
  }
  // What recovery kept may never have been synced (a previous run whose
  // fdatasync failed): make it durable before calling it durable.
  UM_RETURN_IF_ERROR(active->Sync());
  Log("log").info("event log: opened {}: {} segment(s), end offset {}", dir,
                  recovered.segment_bases.size(), recovered.end_offset);
  return std::unique_ptr<SegmentedLog>(
      new SegmentedLog(std::move(options), std::move(lock), std::move(active),
                       std::move(recovered.segment_bases), recovered.end_offset));
}

SegmentedLog::SegmentedLog(Options options, std::unique_ptr<FileLock> lock,
                           std::unique_ptr<WritableFile> active, std::vector<uint64_t> bases,
                           uint64_t end_offset)
    : options_(std::move(options)),
      metrics_(options_.metrics ? std::make_unique<Metrics>(*options_.metrics) : nullptr),
      dir_lock_(std::move(lock)),
      index_(options_.dir, std::move(bases), end_offset),
      active_(std::move(active)),
      // Undecided until the first group: a big first group leaves it above the
      // threshold, a small one takes it below.
      average_group_bytes_(kPrefillMaxAverageGroupBytes),
      next_offset_(end_offset) {
  active_base_ = index_.bases().back();
  writer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-writer");
    WriterLoop();
  });
  completer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-callbacks");
    CompletionLoop();
  });
}

SegmentedLog::~SegmentedLog() {
  Status status = Close();
  if (!status.ok()) Log("log").warn("event log: closed with error: {}", status.ToString());
}

void SegmentedLog::Append(EncodedBatch batch, AppendCallback done) {
  int64_t enqueued_ns = options_.clock->MonotonicNs();
  // Frame (and checksum) on the caller's thread, outside the lock: appenders
  // checksum in parallel and the lock covers only a memcpy.
  std::string framed;
  framed.reserve(batch.bytes.size() + batch.size() * log_format::kHeaderBytes);
  uint32_t previous_end = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    uint32_t end = batch.ends[i];
    if (end < previous_end || end > batch.bytes.size()) {
      Complete(std::move(done),
               Status::InvalidArgument("batch", fmt::format("event {}: bad end offset {}", i, end)),
               0);
      return;
    }
    if (end - previous_end > log_format::kMaxPayloadBytes) {
      Complete(std::move(done),
               Status::InvalidArgument(
                   "batch", fmt::format("event {} is {} bytes, over the {}-byte record limit", i,
                                        end - previous_end, log_format::kMaxPayloadBytes)),
               0);
      return;
    }
    log_format::AppendRecord(batch.at(i), &framed);
    previous_end = end;
  }
  if (framed.size() > options_.max_pending_bytes) {
    Complete(std::move(done),
             Status::InvalidArgument("batch",
                                     fmt::format("batch of {} bytes is over max_pending_bytes ({})",
                                                 framed.size(), options_.max_pending_bytes)),
             0);
    return;
  }
  Status rejected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_.ok()) {
      rejected = failed_;
    } else if (closing_) {
      rejected = Status::Unavailable("event log is closed");
    } else if (pending_bytes_ + framed.size() > options_.max_pending_bytes) {
      rejected = Status::ResourceExhausted(
          fmt::format("event log: {} bytes are waiting to be written (max_pending_bytes {}); "
                      "retry later",
                      pending_bytes_, options_.max_pending_bytes));
    }
    if (rejected.ok()) {
      pending_.push_back(PendingAppend{std::move(done), next_offset_, batch.size(), enqueued_ns});
      next_offset_ += framed.size();
      pending_bytes_ += framed.size();
      pending_bytes_buffer_.append(framed);
      if (metrics_) metrics_->pending_bytes->Set(static_cast<double>(pending_bytes_));
      writer_cv_.notify_one();
      return;
    }
  }
  Complete(std::move(done), std::move(rejected), 0);
}

void SegmentedLog::WriterLoop() {
  std::string group_bytes;
  std::vector<PendingAppend> group;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    writer_cv_.wait(lock, [this] { return !pending_.empty() || closing_ || RollDueLocked(); });
    if (pending_.empty()) {
      if (!RollDueLocked()) break;  // closing, and everything is written
      // Roll() is waiting and everything is written: roll now.
      const uint64_t end = next_offset_;
      lock.unlock();
      Status rolled = RollSegment(end);
      if (!rolled.ok()) FailBetweenGroups("starting a new segment", rolled);
      lock.lock();
      continue;
    }
    group_bytes.swap(pending_bytes_buffer_);
    group.swap(pending_);
    const uint64_t group_end = next_offset_;
    Status status = failed_;
    lock.unlock();

    if (status.ok()) {
      uint64_t records = 0;
      for (const PendingAppend& append : group) records += append.records;
      Status io = WriteGroup(group_bytes, records);
      if (!io.ok()) {
        status = Status::Unavailable("event log failed: " + io.message() + "; restart required");
      }
    }
    int64_t now_ns = options_.clock->MonotonicNs();
    std::vector<Completion> completions;
    completions.reserve(group.size());
    for (PendingAppend& append : group) {
      if (status.ok() && metrics_) {
        metrics_->append_seconds->Observe(SecondsBetween(append.enqueued_ns, now_ns));
      }
      completions.push_back(Completion{std::move(append.done), status, append.first_offset});
    }

    lock.lock();
    if (!status.ok() && failed_.ok()) {
      failed_ = status;
      Log("log").error("{}; refusing appends until restart", status.message());
    }
    pending_bytes_ -= group_bytes.size();
    if (metrics_) metrics_->pending_bytes->Set(static_cast<double>(pending_bytes_));
    // Publish before running callbacks: whoever learns of a 202 can read it.
    if (status.ok()) index_.SetDurableEnd(group_end);
    // A waiting Roll() whose records are all in this group.
    const bool roll_requested = roll_to_ > active_base_ && group_end >= roll_to_;
    if (!status.ok()) roll_cv_.notify_all();
    lock.unlock();

    Complete(std::move(completions));
    group_bytes.clear();
    group.clear();
    if (status.ok()) {
      // Between groups, while the next one gathers: roll, then pre-fill.
      std::string_view step = "starting a new segment";
      Status kept = active_->position() >= options_.segment_bytes || roll_requested
                        ? RollSegment(group_end)
                        : Status::OK();
      if (kept.ok()) {
        step = "pre-filling the segment with zeros";
        kept = MaybePrefill();
      }
      if (!kept.ok()) FailBetweenGroups(step, kept);
    }
    lock.lock();
  }
  writer_exited_ = true;
  roll_cv_.notify_all();
}

bool SegmentedLog::RollDueLocked() const { return failed_.ok() && roll_to_ > active_base_; }

void SegmentedLog::FailBetweenGroups(std::string_view step, const Status& error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_.ok()) {
    failed_ = Status::Unavailable(
        fmt::format("event log failed: {}: {}; restart required", step, error.message()));
    Log("log").error("{}; refusing appends until restart", failed_.message());
  }
  roll_cv_.notify_all();
}

Status SegmentedLog::WriteGroup(std::string& bytes, uint64_t records) {
  if (bytes.empty()) return Status::OK();  // only empty batches
  average_group_bytes_ = (average_group_bytes_ * 7 + bytes.size()) / 8;
  log_format::MarkGroupStart(bytes.data());
  UM_RETURN_IF_ERROR(active_->Append(bytes));
  int64_t sync_start_ns = options_.clock->MonotonicNs();
  UM_RETURN_IF_ERROR(active_->Sync());
  if (metrics_) {
    metrics_->fsync_seconds->Observe(SecondsBetween(sync_start_ns, options_.clock->MonotonicNs()));
    metrics_->bytes_written->Increment(static_cast<double>(bytes.size()));
    metrics_->records->Increment(static_cast<double>(records));
  }
  return Status::OK();
}

Status SegmentedLog::RollSegment(uint64_t new_base) {
  // Contiguity is checked from file sizes, so the old segment must end at its
  // last record, durably, before the new name can exist. (MaybePrefill stops
  // at segment_bytes, so there is normally no tail to cut here.)
  if (active_->size() != active_->position()) {
    UM_RETURN_IF_ERROR(active_->TruncateToPosition());
  }
  FileSystem* fs = options_.file_system;
  std::string path = SegmentFileName(options_.dir, new_base);
  UM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs->NewAppendableFile(path));
  UM_RETURN_IF_ERROR(fs->SyncDir(options_.dir));
  Status closed = active_->Close();
  active_ = std::move(file);
  index_.AddSegment(new_base);
  {
    std::lock_guard<std::mutex> lock(mu_);
    active_base_ = new_base;
  }
  roll_cv_.notify_all();
  Log("log").info("event log: started segment {}", path);
  return closed;
}

Status SegmentedLog::Roll() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!failed_.ok()) return failed_;
  if (closing_) return Status::Unavailable("event log is closed");
  const uint64_t target = next_offset_;
  if (target == active_base_) return Status::OK();  // the active segment is empty
  roll_to_ = std::max(roll_to_, target);
  writer_cv_.notify_one();
  roll_cv_.wait(lock, [&] { return active_base_ >= target || !failed_.ok() || writer_exited_; });
  if (active_base_ >= target) return Status::OK();
  if (!failed_.ok()) return failed_;
  return Status::Unavailable("event log is closed");
}

Result<SegmentedLog::RedactStats> SegmentedLog::Redact(
    uint64_t before_offset, const std::function<bool(const LogRecord&)>& redact) {
  std::lock_guard<std::mutex> redact_lock(redact_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return Status::Unavailable("event log is closed");
  }
  FileSystem* fs = options_.file_system;
  const std::string& dir = options_.dir;
  // Every segment but the last is sealed: the writer never writes it again,
  // and only Redact (serialized) replaces or deletes it.
  const std::vector<uint64_t> bases = index_.bases();
  RedactStats stats;
  size_t droppable = 0;  // leading segments that hold only redacted records
  for (size_t i = 0; i + 1 < bases.size() && bases[i] < before_offset; ++i) {
    const uint64_t base = bases[i];
    const uint64_t end = bases[i + 1];
    UM_ASSIGN_OR_RETURN(log_redaction::SegmentPlan plan,
                        log_redaction::PlanSegment(fs, dir, base, end, before_offset, redact));
    if (!plan.positions.empty()) {
      UM_RETURN_IF_ERROR(log_redaction::RewriteSegment(fs, dir, base, end - base, plan.positions));
      ++stats.segments_rewritten;
      stats.records_redacted += plan.positions.size();
      if (metrics_) {
        metrics_->rewritten_segments->Increment();
        metrics_->redacted_records->Increment(static_cast<double>(plan.positions.size()));
      }
      Log("log").info("event log: redacted {} record(s) in {}", plan.positions.size(),
                      SegmentFileName(dir, base));
    }
    if (droppable == i && plan.all_redacted && end <= before_offset) ++droppable;
  }
  // Oldest first, each deletion durable before the next, so that whatever a
  // crash leaves is still a contiguous run of segments.
  for (size_t i = 0; i < droppable; ++i) {
    index_.DropFirstSegment(bases[i]);
    const std::string path = SegmentFileName(dir, bases[i]);
    UM_RETURN_IF_ERROR(fs->RemoveFile(path));
    UM_RETURN_IF_ERROR(fs->SyncDir(dir));
    ++stats.segments_dropped;
    if (metrics_) metrics_->dropped_segments->Increment();
    Log("log").info("event log: dropped {}: every record in it was redacted", path);
  }
  return stats;
}

Status SegmentedLog::MaybePrefill() {
  const uint64_t chunk = options_.prefill_chunk_bytes;
  if (chunk == 0 || average_group_bytes_ >= kPrefillMaxAverageGroupBytes) return Status::OK();
  const uint64_t end = active_->size();
  if (end - active_->position() >= chunk / 2 || end >= options_.segment_bytes) {
    return Status::OK();
  }
  const uint64_t n = std::min(chunk, options_.segment_bytes - end);
  UM_RETURN_IF_ERROR(active_->Prefill(n));
  if (metrics_) metrics_->prefilled_bytes->Increment(static_cast<double>(n));
  return Status::OK();
}

void SegmentedLog::Complete(std::vector<Completion> completions) {
  if (completions.empty()) return;
  {
    std::lock_guard<std::mutex> lock(completion_mu_);
    if (!completion_stopped_) {
      if (completions_.empty()) {
        completions_.swap(completions);
      } else {
        for (Completion& c : completions) completions_.push_back(std::move(c));
      }
      completion_cv_.notify_one();
      return;
    }
  }
  for (Completion& c : completions) c.done(c.status, c.first_offset);
}

void SegmentedLog::Complete(AppendCallback done, Status status, uint64_t first_offset) {
  std::vector<Completion> one;
  one.push_back(Completion{std::move(done), std::move(status), first_offset});
  Complete(std::move(one));
}

void SegmentedLog::CompletionLoop() {
  std::vector<Completion> batch;
  std::unique_lock<std::mutex> lock(completion_mu_);
  while (true) {
    completion_cv_.wait(lock, [this] { return !completions_.empty() || completion_stopping_; });
    if (completions_.empty()) {
      completion_stopped_ = true;
      return;
    }
    batch.swap(completions_);
    lock.unlock();
    for (Completion& c : batch) c.done(c.status, c.first_offset);
    batch.clear();
    lock.lock();
  }
}

Status SegmentedLog::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

uint64_t SegmentedLog::DurableEndOffset() const { return index_.durable_end(); }

Result<std::unique_ptr<LogReader>> SegmentedLog::NewReader(uint64_t offset) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<SegmentLogReader> reader,
                      SegmentLogReader::Create(options_.file_system, &index_, offset));
  return std::unique_ptr<LogReader>(std::move(reader));
}

Status SegmentedLog::Close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  // A running Redact finishes before the directory lock is let go.
  std::lock_guard<std::mutex> redact_lock(redact_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return close_status_;
    closing_ = true;
  }
  writer_cv_.notify_all();
  writer_.join();
  {
    std::lock_guard<std::mutex> lock(completion_mu_);
    completion_stopping_ = true;
  }
  completion_cv_.notify_all();
  completer_.join();
  Status failed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    failed = failed_;
  }
  // Cut the zero tail so a clean restart finds none. Not after a failure:
  // what follows the last synced record is then unknown; recovery decides.
  Status closed;
  if (failed.ok() && active_->size() != active_->position()) {
    closed = active_->TruncateToPosition();
  }
  Status fd_closed = active_->Close();
  if (closed.ok()) closed = fd_closed;
  dir_lock_.reset();
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  close_status_ = failed_.ok() ? closed : failed_;
  return close_status_;
}

}  // namespace unmogrowp
