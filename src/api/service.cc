#include "api/service.h"

#include <fmt/format.h>
#include <prometheus/registry.h>

#include <filesystem>
#include <mutex>

#include "analytics/state_report_data.h"
#include "api/api_context.h"
#include "api/app_handlers.h"
#include "api/attribution_handlers.h"
#include "api/audit_handlers.h"
#include "api/cohort_handlers.h"
#include "api/device_handlers.h"
#include "api/event_handlers.h"
#include "api/export_handlers.h"
#include "api/health_handlers.h"
#include "api/live_counter.h"
#include "api/live_handlers.h"
#include "api/privacy_handlers.h"
#include "api/report_pool.h"
#include "api/static_files.h"
#include "api/stats_handlers.h"
#include "clickhouse/clickhouse_report_data.h"
#include "clickhouse/clickhouse_state_mirror.h"
#include "clickhouse/clickhouse_url.h"
#include "core/clock.h"
#include "core/logging.h"
#include "http/server.h"
#include "log/kafka_event_log.h"
#include "log/kafka_options.h"
#include "log/segmented_log.h"
#include "meta/admin_token.h"
#include "meta/pg_app_store.h"
#include "meta/pg_audit_log.h"
#include "meta/sqlite_app_store.h"
#include "meta/sqlite_audit_log.h"
#include "pipeline/partition_routing.h"
#include "pipeline/partition_workers.h"
#include "pipeline/pipeline.h"
#include "store/state_store.h"

namespace unmogrowp {

Result<ServiceRole> ParseServiceRole(std::string_view role) {
  if (role == "all") return ServiceRole::kAll;
  if (role == "ingest") return ServiceRole::kIngest;
  if (role == "pipeline") return ServiceRole::kPipeline;
  if (role == "api") return ServiceRole::kApi;
  return Status::InvalidArgument(
      "role", fmt::format("role must be all, ingest, pipeline or api, got \"{}\"", role));
}

struct Service::Parts {
  prometheus::Registry registry;
  std::unique_ptr<AppStore> apps;
  std::unique_ptr<AuditLog> audit;
  // One of the two logs (or neither, on a pipeline node).
  std::unique_ptr<SegmentedLog> segmented_log;
  std::unique_ptr<KafkaEventLog> kafka_log;
  EventLog* log = nullptr;
  std::unique_ptr<store::StateStore> state;
  std::unique_ptr<analytics::ReportData> data;
  std::unique_ptr<StateMirror> mirror;  // the embedded pipeline's, with ClickHouse
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<PartitionWorkers> workers;
  std::unique_ptr<api::ReportPool> reports;
  // Runs raw-export streams (long, blocking reads) apart from reports.
  std::unique_ptr<api::ReportPool> exports;
  std::unique_ptr<api::LiveCounter> live;
  std::unique_ptr<api::StaticFiles> web;
  ApiContext context;
  http::Router router;
  std::unique_ptr<http::HttpServer> server;
  bool token_created = false;
  std::once_flag stopped;
};

namespace {

bool IsKafkaUrl(std::string_view url) { return url.rfind("kafka://", 0) == 0; }

// The combinations that make sense; InvalidArgument naming the flag otherwise.
Status CheckBackends(const ServiceOptions& o) {
  const bool kafka = !o.log_url.empty();
  if (kafka && !IsKafkaUrl(o.log_url)) {
    return Status::InvalidArgument("log",
                                   "--log must be a kafka:// URL (or unset: the embedded log)");
  }
  if (!o.meta_url.empty() && o.meta_url.rfind("postgresql://", 0) != 0 &&
      o.meta_url.rfind("postgres://", 0) != 0) {
    return Status::InvalidArgument("meta", "--meta must be a postgresql:// URL (or unset: SQLite)");
  }
  if (o.role != ServiceRole::kAll && !kafka) {
    return Status::InvalidArgument(
        "role", "--role other than all needs --log kafka://...: the embedded log is one process's");
  }
  if (o.role != ServiceRole::kAll && o.meta_url.empty()) {
    return Status::InvalidArgument(
        "meta",
        "--role other than all needs --meta postgresql://...: the nodes share the metadata");
  }
  if (kafka && o.analytics_url.empty() && o.role != ServiceRole::kIngest) {
    return Status::InvalidArgument(
        "analytics",
        "--log kafka://... needs --analytics clickhouse://...: each partition's state lives on "
        "its worker, so the reports read ClickHouse");
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Service>> Service::Start(const ServiceOptions& options) {
  UM_RETURN_IF_ERROR(CheckBackends(options));
  auto parts = std::make_unique<Parts>();
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::IOError("cannot create data dir " + options.data_dir + ": " + ec.message());
  }
  const Clock& clock = SystemClock::Instance();
  const ServiceRole role = options.role;
  const bool kafka = !options.log_url.empty();
  const bool serves_api = role == ServiceRole::kAll || role == ServiceRole::kApi;
  const bool runs_pipeline = role == ServiceRole::kAll || role == ServiceRole::kPipeline;

  UM_ASSIGN_OR_RETURN(
      parts->context.admin_token,
      LoadOrCreateAdminToken(options.data_dir, options.admin_token, &parts->token_created));
  if (options.meta_url.empty()) {
    UM_ASSIGN_OR_RETURN(parts->apps,
                        SqliteAppStore::Open(options.data_dir + "/meta.sqlite3", clock));
    UM_ASSIGN_OR_RETURN(parts->audit,
                        SqliteAuditLog::Open(options.data_dir + "/meta.sqlite3", clock));
  } else {
    UM_ASSIGN_OR_RETURN(parts->apps, PgAppStore::Open(options.meta_url, clock));
    UM_ASSIGN_OR_RETURN(parts->audit, PgAuditLog::Open(options.meta_url, clock));
  }

  std::optional<ClickHouseOptions> clickhouse;
  if (!options.analytics_url.empty()) {
    UM_ASSIGN_OR_RETURN(clickhouse, ParseClickHouseUrl(options.analytics_url));
  }
  std::optional<KafkaOptions> kafka_options;
  if (kafka) {
    UM_ASSIGN_OR_RETURN(kafka_options, ParseKafkaUrl(options.log_url));
    if (role != ServiceRole::kPipeline) {
      KafkaEventLog::Options log_options;
      log_options.kafka = *kafka_options;
      log_options.route = RouteToKafka;
      UM_ASSIGN_OR_RETURN(parts->kafka_log, KafkaEventLog::Open(std::move(log_options)));
      parts->log = parts->kafka_log.get();
    }
  } else {
    SegmentedLog::Options log_options;
    log_options.dir = options.data_dir + "/log";
    log_options.segment_bytes = options.log_segment_bytes;
    log_options.metrics = &parts->registry;
    UM_ASSIGN_OR_RETURN(parts->segmented_log, SegmentedLog::Open(log_options));
    parts->log = parts->segmented_log.get();
  }

  Pipeline::Options pipeline_options;
  AppStore* apps = parts->apps.get();
  pipeline_options.settings = [apps](std::string_view app_id) -> Result<AppSettings> {
    UM_ASSIGN_OR_RETURN(App app, apps->Get(app_id));
    return app.settings;
  };
  pipeline_options.list_apps = [apps]() -> Result<std::vector<std::pair<std::string, int64_t>>> {
    UM_ASSIGN_OR_RETURN(std::vector<App> all, apps->List());
    std::vector<std::pair<std::string, int64_t>> retention;
    for (const App& app : all) retention.emplace_back(app.id, app.settings.retention_days);
    return retention;
  };
  // An app-deletion record found in the log (a crash came between its append
  // and the metadata delete, or a replay): the app goes from the metadata too.
  AuditLog* audit = parts->audit.get();
  pipeline_options.app_deleted = [apps, audit](std::string_view app_id) -> Status {
    // The app.delete entry, once: this runs again on each replay of the record
    // (and, in scale-out mode, once per partition).
    UM_ASSIGN_OR_RETURN(std::vector<AuditEntry> entries, audit->List(app_id, 1000, 0));
    bool audited = false;
    for (const AuditEntry& e : entries) audited = audited || e.action == "app.delete";
    if (!audited) {
      AuditEntry entry;
      entry.actor = "admin";
      entry.action = "app.delete";
      entry.app_id = std::string(app_id);
      entry.target = "app";
      entry.detail = "applied from the event log";
      UM_RETURN_IF_ERROR(audit->Append(std::move(entry)).status());
    }
    Status deleted = apps->Delete(app_id);
    return deleted.code() == StatusCode::kNotFound ? Status::OK() : deleted;
  };

  if (!kafka) {
    UM_ASSIGN_OR_RETURN(parts->state,
                        store::StateStore::Open({.dir = options.data_dir + "/state"}));
    if (clickhouse) {
      UM_ASSIGN_OR_RETURN(parts->mirror, ClickHouseStateMirror::Open(*clickhouse, 0));
    }
    pipeline_options.log = parts->segmented_log.get();
    pipeline_options.store = parts->state.get();
    pipeline_options.mirror = parts->mirror.get();
    pipeline_options.metrics = &parts->registry;
    pipeline_options.redact_log = RedactSegmentedLog(parts->segmented_log.get());
    UM_ASSIGN_OR_RETURN(parts->pipeline, Pipeline::Start(std::move(pipeline_options)));
  } else if (runs_pipeline) {
    PartitionWorkers::Options workers;
    workers.kafka = *kafka_options;
    workers.state_dir = options.data_dir + "/state";
    workers.pipeline = std::move(pipeline_options);
    const ClickHouseOptions mirror_options = *clickhouse;
    workers.make_mirror =
        [mirror_options](int32_t partition) -> Result<std::unique_ptr<StateMirror>> {
      UM_ASSIGN_OR_RETURN(std::unique_ptr<ClickHouseStateMirror> mirror,
                          ClickHouseStateMirror::Open(mirror_options, partition));
      return std::unique_ptr<StateMirror>(std::move(mirror));
    };
    UM_ASSIGN_OR_RETURN(parts->workers, PartitionWorkers::Start(std::move(workers)));
  }

  if (serves_api) {
    if (clickhouse) {
      UM_ASSIGN_OR_RETURN(parts->data, ClickHouseReportData::Open(*clickhouse));
    } else {
      parts->data = std::make_unique<analytics::StateReportData>(parts->state.get());
    }
  }

  parts->context.apps = parts->apps.get();
  parts->context.audit = parts->audit.get();
  parts->context.log = parts->log;
  parts->context.state = parts->state.get();
  parts->context.pipeline = parts->pipeline.get();
  parts->context.workers = parts->workers.get();
  parts->context.data = parts->data.get();
  // One thread: reports queue behind each other rather than take a second
  // core from ingest.
  parts->reports = std::make_unique<api::ReportPool>(1);
  parts->context.reports = parts->reports.get();
  parts->context.clock = &clock;
  parts->context.metrics = &parts->registry;
  parts->live = std::make_unique<api::LiveCounter>(&clock);
  parts->context.live = parts->live.get();

  api::AddHealthRoutes(&parts->router, &parts->context);
  if (role != ServiceRole::kPipeline) api::AddEventRoutes(&parts->router, &parts->context);
  if (serves_api) {
    api::AddAppRoutes(&parts->router, &parts->context);
    api::AddAuditRoutes(&parts->router, &parts->context);
    api::AddAttributionRoutes(&parts->router, &parts->context);
    api::AddDeviceRoutes(&parts->router, &parts->context);
    api::AddStatsRoutes(&parts->router, &parts->context);
    api::AddCohortRoutes(&parts->router, &parts->context);
    api::AddExportRoutes(&parts->router, &parts->context);
    api::AddPrivacyRoutes(&parts->router, &parts->context);
    api::AddLiveRoutes(&parts->router, &parts->context);
    UM_ASSIGN_OR_RETURN(parts->web, api::StaticFiles::Load(options.web_dir));
    if (!parts->web->has_pages()) {
      Log("serve").warn("no dashboard in '{}' (--web-dir): / answers a 'not built' page",
                        options.web_dir);
    }
    api::AddStaticRoutes(&parts->router, parts->web.get());
  }
  parts->exports = std::make_unique<api::ReportPool>(1);

  http::ServerOptions http_options;
  http_options.host = options.host;
  http_options.port = options.port;
  http_options.threads = options.http_threads;
  http_options.metrics = &parts->registry;
  api::ReportPool* exports = parts->exports.get();
  http_options.blocking_executor = [exports](std::function<void()> task) {
    exports->Post(std::move(task));
  };
  UM_ASSIGN_OR_RETURN(parts->server, http::HttpServer::Start(http_options, &parts->router));
  return std::unique_ptr<Service>(new Service(std::move(parts)));
}

Service::Service(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Service::~Service() { Stop(); }

uint16_t Service::port() const { return parts_->server->port(); }
const std::string& Service::admin_token() const { return parts_->context.admin_token; }
bool Service::admin_token_created() const { return parts_->token_created; }

AppStore& Service::apps() { return *parts_->apps; }
EventLog& Service::event_log() { return *parts_->log; }
bool Service::has_pipeline() const { return parts_->pipeline != nullptr; }
Pipeline& Service::pipeline() { return *parts_->pipeline; }
const Clock& Service::clock() const { return *parts_->context.clock; }

bool Service::WaitForPipeline(std::chrono::milliseconds timeout) {
  if (parts_->pipeline == nullptr || parts_->segmented_log == nullptr) return false;
  return parts_->pipeline->WaitForOffset(parts_->segmented_log->DurableEndOffset(), timeout);
}

void Service::Stop() {
  std::call_once(parts_->stopped, [this] {
    parts_->server->Stop();
    // Reports still running finish (their answers go nowhere) before the
    // state they read goes away.
    parts_->reports.reset();
    parts_->exports.reset();
    // Closing the log answers (or fails) every append it still holds; their
    // responses go nowhere now, but nothing acknowledged is lost: a 202 is
    // only ever sent after the covering fdatasync (or the broker's
    // acknowledgement). Their callbacks still notify the pipeline, so it
    // stops after that -- and before the log object goes, since it holds
    // one of its readers. What it has not processed it picks up from its
    // checkpoint on the next start.
    if (parts_->segmented_log) {
      Status closed = parts_->segmented_log->Close();
      if (!closed.ok()) Log("serve").warn("event log closed with error: {}", closed.ToString());
    }
    if (parts_->kafka_log) {
      Status closed = parts_->kafka_log->Close();
      if (!closed.ok()) Log("serve").warn("Kafka log closed with error: {}", closed.ToString());
    }
    parts_->pipeline.reset();
    parts_->workers.reset();
    parts_->mirror.reset();
    parts_->segmented_log.reset();
    parts_->kafka_log.reset();
    parts_->data.reset();
    parts_->state.reset();
  });
}

void Service::Wait() { parts_->server->Wait(); }

}  // namespace unmogrowp
