#pragma once

// LoadWorker: one event-loop thread of `unmogrowp load` with its share of
// the keep-alive connections. Workers of one run share a LoadPlan, which
// hands out requests in order through an atomic counter.
//
// The loop is epoll, edge-triggered, used directly: per request one
// sendmsg and one recv, plus an epoll_pwait2 shared by every connection
// that became ready. (Boost.Asio, tried first, costs a further syscall per
// request: its reads start with a recv that fails with EAGAIN, or, waiting
// first, an epoll_ctl -- and the generator shares the cores with the
// server it measures.)
//
// Threading: Run() is called on the worker's own thread; counters() and
// LatencySnapshot() may be read from any thread while it runs.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "cli/ack_file.h"
#include "cli/latency_histogram.h"
#include "cli/load.h"
#include "cli/load_input.h"
#include "cli/load_socket.h"

namespace unmogrowp {

// One request: lines [first_line, first_line + count) of the input.
struct LoadRequest {
  uint64_t index = 0;
  size_t first_line = 0;
  size_t count = 0;
  // Events handed out before this request (over all passes); sets its due
  // time when pacing.
  uint64_t events_before = 0;
};

// The run's shared, read-mostly state.
struct LoadPlan {
  const LoadInput* input = nullptr;
  LoadMode mode = LoadMode::kBatch;
  size_t batch_size = 1000;
  bool repeat = false;
  uint64_t max_events = 0;  // 0 = no limit
  double rate = 0;          // events/s, 0 = closed loop
  // Monotonic ns (steady clock).
  int64_t start_ns = 0;
  int64_t deadline_ns = 0;  // 0 = none
  int64_t request_timeout_ns = 0;
  SocketAddress server;
  // Request head up to and including "Content-Length: ".
  std::string head_prefix;
  AckFile* ack_file = nullptr;  // may be null

  std::atomic<uint64_t> next_request{0};
  std::atomic<bool> stop{false};

  // Hands out the next request; false when the input (without repeat) or
  // max_events is used up.
  bool Claim(LoadRequest* request);
};

// Counts of one worker; relaxed atomics, written by the worker only.
struct LoadCounters {
  std::atomic<uint64_t> requests_sent{0};
  std::atomic<uint64_t> responses{0};
  std::atomic<uint64_t> events_sent{0};
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> http_2xx{0};
  std::atomic<uint64_t> http_4xx{0};
  std::atomic<uint64_t> retried{0};
  std::atomic<uint64_t> http_other{0};
  std::atomic<uint64_t> connection_errors{0};
  std::atomic<uint64_t> connections_opened{0};

  void AddTo(LoadReport* report) const;
};

class LoadWorker {
 public:
  LoadWorker(LoadPlan* plan, int connections);
  ~LoadWorker();
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  // Runs until every connection is done: no more requests, the deadline
  // passed, plan->stop was set, or it gave up reconnecting.
  void Run();

  const LoadCounters& counters() const { return counters_; }
  // Latencies (ns) so far; refreshed by the worker every 100 ms and at the end.
  LatencyHistogram LatencySnapshot() const;
  // The first ack-file write error, if any.
  Status status() const;
  // Monotonic ns when Run() returned.
  int64_t finished_ns() const { return finished_ns_.load(); }
  // CPU time (user + system) of the thread that ran Run(), once it returned.
  double cpu_s() const { return cpu_s_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  LoadCounters counters_;
  mutable std::mutex mu_;
  LatencyHistogram snapshot_;  // guarded by mu_
  Status status_;              // guarded by mu_
  std::atomic<int64_t> finished_ns_{0};
  std::atomic<double> cpu_s_{0};
};

// Monotonic clock, ns.
int64_t LoadNowNs();

}  // namespace unmogrowp
