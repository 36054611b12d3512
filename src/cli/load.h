#pragma once

// `unmogrowp load`: drives an UnMoGrowP server with events from an NDJSON
// file (`unmogrowp gen` output) over HTTP/1.1 keep-alive connections, and
// reports throughput, acknowledgements and latency percentiles.
//
// - Single mode POSTs each line to /v1/events; batch mode POSTs runs of
//   `batch_size` consecutive lines to /v1/events/batch as NDJSON.
// - Closed loop by default (each connection sends its next request when the
//   answer to the last one arrives). With `rate`, open loop: request k is due
//   at start + (events before it) / rate, and its latency is measured from
//   that due time, so a slow server cannot hide queueing delay
//   (coordinated omission).
// - Repeating the input sends the same lines, event_ids included, again: the
//   server counts them once (idempotency), so a repeated run measures
//   ingestion throughput, not growth of the reported numbers.
// - 429 and 503 answers are retried after their Retry-After (1 s without
//   one); a broken connection is reopened and its request sent again.
//
// The timed run copies nothing: bodies are slices of the mapped input file,
// headers are a fixed prefix plus Content-Length.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "core/result.h"
#include "core/status.h"

namespace CLI {
class App;
}

namespace unmogrowp {

enum class LoadMode { kSingle, kBatch };

// What to send and how. Plain data; copy freely.
struct LoadOptions {
  // http://HOST:PORT[/PREFIX]; HOST an IP address or a name that resolves to
  // a local address (load tests only target this machine).
  std::string url = "http://127.0.0.1:8080";
  // Request path (and query) to POST to; empty = /v1/events (single) or
  // /v1/events/batch (batch). Lets the same client drive another server's
  // bulk endpoint, e.g. ClickHouse's INSERT ... FORMAT JSONEachRow, in
  // comparative benchmarks.
  std::string path;
  // Sent as X-Api-Key. Required.
  std::string api_key;
  // NDJSON events, one per line. Required.
  std::string input;
  LoadMode mode = LoadMode::kBatch;
  // Events per batch request, 1..10000 (the API's limit).
  int batch_size = 1000;
  // Keep-alive connections in total, spread over the threads.
  int connections = 8;
  // Seconds to run; 0 = until every line has been sent once.
  double duration_s = 10;
  // Events per second in total; 0 = as fast as the server answers.
  double rate = 0;
  // Loop over the input; unset = loop when duration_s > 0.
  std::optional<bool> repeat;
  // When not empty: append the event_id of every acknowledged event.
  std::string ack_file;
  // Stop after sending this many events; 0 = no limit.
  int64_t max_events = 0;
  // Event-loop threads (each with its share of the connections).
  int threads = 1;
  // An answer slower than this counts as a connection error; the
  // connection is reopened and the request sent again.
  double request_timeout_s = 30;
  // Progress lines, once a second, go here when not null.
  std::ostream* progress = nullptr;
};

// Latency percentiles of the answered requests, milliseconds.
struct LatencySummary {
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double p999 = 0;
  double max = 0;
};

// The outcome of a run.
struct LoadReport {
  double elapsed_s = 0;
  uint64_t requests_sent = 0;  // attempts, retries included
  uint64_t responses = 0;      // answers received, any status
  uint64_t events_sent = 0;    // events in requests sent, retries included
  uint64_t acknowledged = 0;   // events accepted by a 2xx answer
  uint64_t rejected = 0;       // events refused: batch `rejected` entries and 4xx requests
  uint64_t http_2xx = 0;
  uint64_t http_4xx = 0;
  uint64_t retried = 0;            // 429/503 answers (their requests were sent again)
  uint64_t http_other = 0;         // other statuses (5xx)
  uint64_t connection_errors = 0;  // connect/read/write failures, timeouts, bad answers
  uint64_t connections_opened = 0;
  LatencySummary latency_ms;
  // CPU the load generator's event-loop threads used (user + system): what
  // it took away from a server on the same machine.
  double cpu_s = 0;

  double events_per_sec() const { return elapsed_s > 0 ? acknowledged / elapsed_s : 0; }
  double requests_per_sec() const { return elapsed_s > 0 ? responses / elapsed_s : 0; }
  // What went wrong, in requests: connection errors and unexpected statuses.
  uint64_t errors() const { return connection_errors + http_other; }
};

// Runs the load. Unavailable when the server cannot be reached at the start,
// InvalidArgument for bad options or input, IOError when the ack file
// cannot be written; otherwise the report (which may show that nothing was
// acknowledged: the command treats that as a failure).
Result<LoadReport> RunLoad(const LoadOptions& options);

// Human-readable summary (several lines) and the JSON form
// {"events_per_sec", "requests_per_sec", "acknowledged", "rejected",
//  "errors", "latency_ms": {"p50", "p90", "p99", "p999", "max"}, ...counts}.
std::string FormatLoadReport(const LoadReport& report);
std::string LoadReportJson(const LoadReport& report);

// Registers `load` on `app`.
void AddLoadCommand(CLI::App& app);

}  // namespace unmogrowp
