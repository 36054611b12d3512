#pragma once

// Service: the whole UnMoGrowP server, assembled -- metadata, the event
// log, the pipeline, the report backend, metrics, routes and the HTTP
// server. On the embedded default everything lives under one data
// directory (SQLite, the segmented log, RocksDB); scale-out backends are
// chosen by URL (Kafka log, ClickHouse reports, PostgreSQL metadata) and a
// node may run only some roles (docs/scale-out.md, docs/operations.md).
// `unmogrowp serve` runs one; the integration tests start one in-process on
// port 0.
//
// Start() returns once the server accepts events. Stop() is idempotent and
// shuts down in order: HTTP first, then the log (which answers what it still
// holds), then the stores. Thread-safe to Stop() from another thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace unmogrowp {

class AppStore;
class Clock;
class EventLog;
class Pipeline;

// What a node does (serve --role).
enum class ServiceRole {
  kAll,       // everything (the only role with the embedded log)
  kIngest,    // the event endpoints (and health): stateless, scale out freely
  kPipeline,  // pipeline workers for the Kafka partitions the group gives it
  kApi,       // apps, reports, privacy, dashboard (and the event endpoints)
};
// "all", "ingest", "pipeline" or "api"; InvalidArgument otherwise.
Result<ServiceRole> ParseServiceRole(std::string_view role);

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

  ServiceRole role = ServiceRole::kAll;
  // The event log: "" = the embedded segmented log in <data_dir>/log;
  // kafka://host:port[,...][/topic][?...] (log/kafka_options.h).
  std::string log_url;
  // The report backend: "" = the embedded state; clickhouse://host:port[/db]
  // or http://... (clickhouse/clickhouse_url.h). Required with a Kafka log.
  std::string analytics_url;
  // Metadata: "" = SQLite in <data_dir>/meta.sqlite3; postgresql://...
  // Required for the roles other than all (the nodes share it).
  std::string meta_url;
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
  // Null on a pipeline node.
  EventLog& event_log();
  // The embedded pipeline; only with the embedded log (has_pipeline()).
  bool has_pipeline() const;
  Pipeline& pipeline();
  const Clock& clock() const;

  // Waits until the pipeline has processed every event durable now (reports
  // reflect them), or `timeout`; true when it has. Embedded log only (false
  // otherwise: scale-out workers run elsewhere).
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
