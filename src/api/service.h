#pragma once

// Service: the whole UnMoGrowP server on the embedded default, assembled --
// metadata (SQLite), the segmented event log, metrics, routes and the HTTP
// server, all under one data directory. `unmogrowp serve` runs one; the
// integration tests start one in-process on port 0.
//
// Start() returns once the server accepts events. Stop() is idempotent and
// shuts down in order: HTTP first, then the log (which answers what it still
// holds), then the stores. Thread-safe to Stop() from another thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace unmogrowp {

class AppStore;
class Clock;
class EventLog;
class Pipeline;

struct ServiceOptions {
  // Where the log, the metadata database and admin.token live. Created if missing.
  std::string data_dir = "./data";
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
  // Admin token; when unset, read from or generated into <data_dir>/admin.token.
  std::optional<std::string> admin_token;
  // HTTP I/O threads.
  int http_threads = 2;
  // Event log segment size; smaller segments roll more often (tests).
  uint64_t log_segment_bytes = 256ull << 20;
  // The built dashboard (web/build), served at `/`; read once at start. When
  // empty or without an index.html, `/` answers a "not built" page.
  std::string web_dir;
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> Start(const ServiceOptions& options);
  ~Service();

  uint16_t port() const;
  const std::string& admin_token() const;
  // True when this start generated a new admin token (print it once).
  bool admin_token_created() const;

  // The parts, for work done in-process next to the HTTP API (cli/demo_data.h
  // appends a generated data set). Valid until Stop().
  AppStore& apps();
  EventLog& event_log();
  Pipeline& pipeline();
  const Clock& clock() const;

  // Waits until the pipeline has processed every event durable now (reports
  // reflect them), or `timeout`; true when it has.
  bool WaitForPipeline(std::chrono::milliseconds timeout);

  void Stop();
  // Blocks until Stop() is called from another thread.
  void Wait();

  struct Parts;

 private:
  explicit Service(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace unmogrowp
