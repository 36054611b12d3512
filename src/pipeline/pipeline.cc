#include "pipeline/pipeline.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/clock.h"
#include "core/logging.h"
#include "log/event_log.h"

namespace unmogrowp {

struct Pipeline::Metrics {
  prometheus::Counter* applied = nullptr;
  prometheus::Counter* duplicates = nullptr;
  prometheus::Counter* unknown_app = nullptr;
  prometheus::Gauge* lag_bytes = nullptr;

  explicit Metrics(prometheus::Registry& registry) {
    auto& events = prometheus::BuildCounter()
                       .Name("unmogrowp_pipeline_events_total")
                       .Help("Log records the pipeline processed, by outcome")
                       .Register(registry);
    applied = &events.Add({{"outcome", "applied"}});
    duplicates = &events.Add({{"outcome", "duplicate"}});
    unknown_app = &events.Add({{"outcome", "unknown_app"}});
    lag_bytes = &prometheus::BuildGauge()
                     .Name("unmogrowp_pipeline_lag_bytes")
                     .Help("Durable event log bytes not yet reflected in the derived state")
                     .Register(registry)
                     .Add({});
  }
};

Result<std::unique_ptr<Pipeline>> Pipeline::Start(Options options) {
  if (options.log == nullptr || options.store == nullptr || !options.settings) {
    return Status::InvalidArgument("pipeline", "pipeline: log, store and settings are required");
  }
  if (options.max_batch_events == 0) options.max_batch_events = 1;
  if (!options.now_ms) options.now_ms = [] { return SystemClock::Instance().NowMs(); };
  UM_ASSIGN_OR_RETURN(int64_t last_maintenance, LastMaintenanceMs(*options.store));
  UM_ASSIGN_OR_RETURN(uint64_t checkpoint, options.store->Checkpoint());
  uint64_t durable = options.log->DurableEndOffset();
  if (checkpoint > durable) {
    return Status::FailedPrecondition(fmt::format(
        "pipeline: the state store's checkpoint (offset {}) is past the end of the event log "
        "({}): the state belongs to another or a truncated log; move the state directory "
        "away to rebuild it from the log",
        checkpoint, durable));
  }
  std::unique_ptr<Pipeline> pipeline(new Pipeline(std::move(options), checkpoint));
  // Due one interval after the last run (a new store counts from now), but
  // not in the first minute: a restart should catch up with the log first.
  const int64_t now = pipeline->options_.now_ms();
  if (last_maintenance == 0) {
    UM_RETURN_IF_ERROR(RecordMaintenanceTime(pipeline->options_.store, now));
    last_maintenance = now;
  }
  pipeline->next_maintenance_ms_ = std::max(
      last_maintenance + static_cast<int64_t>(pipeline->options_.maintenance_interval.count()),
      now + 60'000);
  pipeline->thread_ = std::thread([p = pipeline.get()] {
    pthread_setname_np(pthread_self(), "pipeline");
    if (p->options_.nice != 0) {
      // Linux applies a thread's niceness per thread id.
      const auto tid = static_cast<id_t>(syscall(SYS_gettid));
      errno = 0;
      int current = getpriority(PRIO_PROCESS, tid);
      if (errno == 0 && setpriority(PRIO_PROCESS, tid, current + p->options_.nice) != 0) {
        Log("pipeline")
            .warn("cannot lower the pipeline thread's priority: {}", std::strerror(errno));
      }
    }
    p->Run();
  });
  return pipeline;
}

Pipeline::Pipeline(Options options, uint64_t checkpoint)
    : options_(std::move(options)),
      metrics_(options_.metrics ? std::make_unique<Metrics>(*options_.metrics) : nullptr),
      processor_(options_.store, options_.settings, options_.app_deleted, options_.mirror),
      committed_(checkpoint) {}

Pipeline::~Pipeline() { Stop(); }

void Pipeline::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  progress_cv_.notify_all();
}

void Pipeline::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (notified_) return;
    notified_ = true;
  }
  wake_cv_.notify_one();
}

bool Pipeline::WaitForOffset(uint64_t offset, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return progress_cv_.wait_for(lock, timeout, [&] {
    return committed_offset() >= offset || stopping_;
  }) && committed_offset() >= offset;
}

Status Pipeline::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

EventProcessor::Stats Pipeline::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Pipeline::Sleep(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_cv_.wait_for(lock, duration, [this] { return notified_ || stopping_; });
  notified_ = false;
}

void Pipeline::Run() {
  std::unique_ptr<LogReader> reader;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    Status status;
    bool caught_up = false;
    if (!reader) {
      Result<std::unique_ptr<LogReader>> opened = options_.log->NewReader(committed_offset());
      if (opened.ok()) {
        reader = std::move(*opened);
      } else {
        status = opened.status();
      }
    }
    if (reader) {
      Result<bool> ran = RunBatch(reader.get());
      if (ran.ok()) {
        caught_up = *ran;
        MaybeMaintain();
      } else {
        status = ran.status();
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      bool was_failing = !health_.ok();
      health_ = status;
      if (!status.ok() && !was_failing) {
        Log("pipeline")
            .error("pipeline paused: {}; retrying from offset {} every {} ms", status.ToString(),
                   committed_offset(), options_.retry_interval.count());
      } else if (status.ok() && was_failing) {
        Log("pipeline").info("pipeline resumed at offset {}", committed_offset());
      }
    }
    if (!status.ok()) {
      processor_.Reset();
      reader.reset();  // resume from the committed checkpoint
      Sleep(options_.retry_interval);
    } else if (caught_up) {
      if (options_.catch_up_delay.count() > 0) {
        std::unique_lock<std::mutex> lock(mu_);
        // Appends notified meanwhile are kept: the Sleep below returns at once.
        wake_cv_.wait_for(lock, options_.catch_up_delay, [this] { return stopping_; });
      }
      Sleep(options_.poll_interval);
    }
  }
}

Result<bool> Pipeline::RunBatch(LogReader* reader) {
  LogRecord record;
  uint64_t next = committed_offset();
  bool caught_up = false;
  // Counts records read, not events applied: a run of duplicates (applied
  // as nothing) must still end the batch and move the checkpoint.
  for (size_t records = 0; records < options_.max_batch_events; ++records) {
    UM_ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) {
      caught_up = true;
      break;
    }
    UM_RETURN_IF_ERROR(processor_.Apply(record.payload, record.offset));
    next = record.next_offset;
  }
  if (next != committed_offset()) {
    EventProcessor::Stats before = stats_;
    UM_RETURN_IF_ERROR(processor_.Commit(next));
    {
      // Under the lock, so a WaitForOffset between its check and its wait
      // cannot miss the notification.
      std::lock_guard<std::mutex> lock(mu_);
      committed_.store(next, std::memory_order_release);
      stats_ = processor_.stats();
    }
    progress_cv_.notify_all();
    if (metrics_) {
      metrics_->applied->Increment(static_cast<double>(stats_.applied - before.applied));
      metrics_->duplicates->Increment(static_cast<double>(stats_.duplicates - before.duplicates));
      metrics_->unknown_app->Increment(
          static_cast<double>(stats_.unknown_app - before.unknown_app));
    }
  }
  if (metrics_) {
    uint64_t durable = options_.log->DurableEndOffset();
    metrics_->lag_bytes->Set(static_cast<double>(durable > next ? durable - next : 0));
  }
  return caught_up;
}

}  // namespace unmogrowp
