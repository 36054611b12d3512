#pragma once

// Pipeline: the thread that tails the event log from the state store's
// checkpoint and feeds every record to an EventProcessor, committing the
// derived state with the new checkpoint after each batch (at most
// max_batch_events records, or fewer when it has caught up). After a crash
// it resumes from the last committed checkpoint: nothing is lost, and the
// dedup index in the same commits keeps anything from counting twice.
//
// It wakes when Notify() says new records are durable (the ingest path calls
// it after each acknowledged append) and, as a fallback, every poll_interval.
// A store or log error stops processing for `retry_interval`, then it
// resumes from the store's checkpoint; health() reports the error meanwhile.
//
// Thread-safety: every public method may be called from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "pipeline/event_processor.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
}  // namespace prometheus

namespace unmogrowp {

class EventLog;
class LogReader;
struct LogRecord;
class SegmentedLog;
class StateMirror;

// The wall-clock time (ms) of the last maintenance run recorded in `store`,
// 0 when none.
Result<int64_t> LastMaintenanceMs(const store::StateStore& store);
Status RecordMaintenanceTime(store::StateStore* store, int64_t ms);

class Pipeline {
 public:
  struct Options {
    // Required; not owned; must outlive the pipeline.
    EventLog* log = nullptr;
    store::StateStore* store = nullptr;
    // Current settings of an app; required. NotFound: the app's events are
    // skipped (it was never registered, or was deleted).
    EventProcessor::SettingsLookup settings;
    // Removes a deleted app from the metadata store when its app-deletion
    // record is applied, before the commit past it (EventProcessor::
    // AppDeleted): a crash between the record's append and the API's own
    // removal then still ends with the app gone. Null: not called.
    EventProcessor::AppDeleted app_deleted;
    // Receives each commit's writes to the tables it asks for before the
    // store does (pipeline/state_mirror.h): the ClickHouse analytics
    // backend. Not owned; outlives the pipeline. Null: none.
    StateMirror* mirror = nullptr;
    // Records per commit at most. Larger: fewer, bigger store writes (more
    // throughput); smaller: fresher reports while far behind. Default 4096.
    size_t max_batch_events = 4096;
    // After catching up, the pipeline waits this long before it looks for
    // more (Stop still ends the wait at once): under a stream of small
    // appends it then commits a few dozen batches per second instead of one
    // per append, which costs ingest far less CPU, and an event shows up in
    // the reports at most about this much later. 0: go on at the next
    // Notify. Default 20 ms.
    std::chrono::milliseconds catch_up_delay{20};
    // Wake-up without a Notify. Default 50 ms.
    std::chrono::milliseconds poll_interval{50};
    // Pause after an error before resuming from the checkpoint. Default 1 s.
    std::chrono::milliseconds retry_interval{1000};
    // CPU niceness of the pipeline thread (Linux; added to the process's).
    // On a busy machine acknowledging events durably comes first: the log
    // holds whatever the pipeline has not processed yet, and the pipeline
    // catches up when ingest leaves it CPU. 0: the same priority as the
    // HTTP threads. Default 10.
    int nice = 10;
    // Registers unmogrowp_pipeline_* metrics when set. Not owned.
    prometheus::Registry* metrics = nullptr;

    // Maintenance (pipeline/maintenance.cc): retention of raw events and
    // device state, and redaction of the event log for erasures and
    // retention. It runs on the pipeline thread between batches (processing
    // waits meanwhile) every maintenance_interval, counted from the last
    // run recorded in the store, and on RunMaintenance(). Default 24 h.
    std::chrono::milliseconds maintenance_interval{std::chrono::hours(24)};
    // Every app with its retention in days. Null: no retention.
    std::function<Result<std::vector<std::pair<std::string, int64_t>>>()> list_apps;
    // Seals the log's active segment when `roll`, then redacts the records
    // before `before_offset` that `redact` picks (SegmentedLog::Roll and
    // Redact); returns how many it redacted. Null: the log is not redacted.
    using RedactLogFn = std::function<Result<uint64_t>(
        uint64_t before_offset, bool roll, const std::function<bool(const LogRecord&)>& redact)>;
    RedactLogFn redact_log;
    // Wall-clock time in ms for retention cutoffs. Default: the system clock.
    std::function<int64_t()> now_ms;
  };

  struct MaintenanceReport {
    Status status;
    int64_t finished_ms = 0;               // 0: never ran
    uint64_t events_expired = 0;           // raw events past retention removed
    uint64_t devices_expired = 0;          // device states past retention removed
    uint64_t records_redacted = 0;         // log records wiped
    uint64_t erasures_completed = 0;       // erasures whose log records are now wiped
    uint64_t app_deletions_completed = 0;  // deleted apps whose log records are now wiped
  };

  static Result<std::unique_ptr<Pipeline>> Start(Options options);
  // Stop()s.
  ~Pipeline();

  // New records are durable in the log: process them soon.
  void Notify();

  // Waits until the state covers every log record before `offset` (it has
  // committed a checkpoint >= offset), or until `timeout`. True when reached.
  bool WaitForOffset(uint64_t offset, std::chrono::milliseconds timeout);

  // Runs maintenance now (after the batch in hand) and waits for it, up to
  // `timeout` (then DeadlineExceeded; it still runs).
  Result<MaintenanceReport> RunMaintenance(std::chrono::milliseconds timeout);
  MaintenanceReport last_maintenance() const;

  // The checkpoint of the last commit.
  uint64_t committed_offset() const { return committed_.load(std::memory_order_acquire); }
  // OK, or the error that paused processing.
  Status health() const;
  EventProcessor::Stats stats() const;

  // Finishes the batch in hand (committing it) and joins the thread.
  // Idempotent.
  void Stop();

 private:
  struct Metrics;
  Pipeline(Options options, uint64_t checkpoint);
  void Run();
  // Reads and applies up to one batch; returns true when caught up.
  Result<bool> RunBatch(LogReader* reader);
  // Runs maintenance when due or requested (pipeline thread, between batches).
  void MaybeMaintain();
  Result<MaintenanceReport> Maintain();
  void Sleep(std::chrono::milliseconds duration);

  const Options options_;
  std::unique_ptr<Metrics> metrics_;
  EventProcessor processor_;
  std::atomic<uint64_t> committed_;

  mutable std::mutex mu_;
  std::condition_variable wake_cv_;      // the pipeline thread waits here
  std::condition_variable progress_cv_;  // WaitForOffset waits here
  bool notified_ = false;
  bool stopping_ = false;
  Status health_;
  // Maintenance: requested by RunMaintenance, due at next_maintenance_ms_.
  bool maintenance_requested_ = false;
  uint64_t maintenance_runs_ = 0;
  int64_t next_maintenance_ms_ = 0;
  MaintenanceReport last_maintenance_;
  std::condition_variable maintenance_cv_;
  EventProcessor::Stats stats_;
  std::thread thread_;
};

// Options::redact_log over the embedded segmented log: Roll when asked,
// then Redact. `log` must outlive the pipeline.
Pipeline::Options::RedactLogFn RedactSegmentedLog(SegmentedLog* log);

}  // namespace unmogrowp
