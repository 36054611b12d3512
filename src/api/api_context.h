#pragma once

// ApiContext: what the HTTP handlers need from the rest of the server. Owned
// by `unmogrowp serve` (cli/serve_command.cc); every pointer outlives the HTTP
// server. The handlers hold no state of their own beyond per-thread decoders.

#include <string>

#include "core/clock.h"

namespace prometheus {
class Registry;
}

namespace unmogrowp {

class AppStore;
class AuditLog;
class EventLog;
class PartitionWorkers;
class Pipeline;
namespace store {
class StateStore;
}
namespace analytics {
class ReportData;
}
namespace api {
class LiveCounter;
class ReportPool;
}  // namespace api

struct ApiContext {
  AppStore* apps = nullptr;
  // Who did what, for privacy actions (meta/audit_log.h).
  AuditLog* audit = nullptr;
  EventLog* log = nullptr;
  // Derived state the reports read, and the pipeline that maintains it (told
  // after each durable append that there is more to process).
  store::StateStore* state = nullptr;
  Pipeline* pipeline = nullptr;
  // Scale-out (Kafka log): this node's pipeline workers, one pipeline per
  // owned partition (null on ingest and API nodes, and with the embedded
  // log, where `pipeline` is set instead).
  PartitionWorkers* workers = nullptr;
  // What the reports read: the state store above, or ClickHouse (scale-out).
  const analytics::ReportData* data = nullptr;
  // Where report handlers run (off the HTTP I/O threads).
  api::ReportPool* reports = nullptr;
  // Events accepted per app per second, for the Live page; the ingest routes
  // count into it when set.
  api::LiveCounter* live = nullptr;
  const Clock* clock = nullptr;
  std::string admin_token;
  // Required: the handlers register their metrics here and /metrics serves it.
  prometheus::Registry* metrics = nullptr;
};

}  // namespace unmogrowp
