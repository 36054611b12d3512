#include "api/service.h"

#include <prometheus/registry.h>

#include <filesystem>
#include <mutex>

#include "api/api_context.h"
#include "api/app_handlers.h"
#include "api/attribution_handlers.h"
#include "api/device_handlers.h"
#include "api/event_handlers.h"
#include "api/health_handlers.h"
#include "api/report_pool.h"
#include "core/clock.h"
#include "core/logging.h"
#include "http/server.h"
#include "log/segmented_log.h"
#include "meta/admin_token.h"
#include "meta/sqlite_app_store.h"
#include "pipeline/pipeline.h"
#include "store/state_store.h"

namespace unmogrowp {

struct Service::Parts {
  prometheus::Registry registry;
  std::unique_ptr<SqliteAppStore> apps;
  std::unique_ptr<SegmentedLog> log;
  std::unique_ptr<store::StateStore> state;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<api::ReportPool> reports;
  ApiContext context;
  http::Router router;
  std::unique_ptr<http::HttpServer> server;
  bool token_created = false;
  std::once_flag stopped;
};

Result<std::unique_ptr<Service>> Service::Start(const ServiceOptions& options) {
  auto parts = std::make_unique<Parts>();
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::IOError("cannot create data dir " + options.data_dir + ": " + ec.message());
  }
  const Clock& clock = SystemClock::Instance();

  UM_ASSIGN_OR_RETURN(
      parts->context.admin_token,
      LoadOrCreateAdminToken(options.data_dir, options.admin_token, &parts->token_created));
  UM_ASSIGN_OR_RETURN(parts->apps, SqliteAppStore::Open(options.data_dir + "/meta.sqlite3", clock));

  SegmentedLog::Options log_options;
  log_options.dir = options.data_dir + "/log";
  log_options.segment_bytes = options.log_segment_bytes;
  log_options.metrics = &parts->registry;
  UM_ASSIGN_OR_RETURN(parts->log, SegmentedLog::Open(log_options));

  UM_ASSIGN_OR_RETURN(parts->state, store::StateStore::Open({.dir = options.data_dir + "/state"}));
  Pipeline::Options pipeline_options;
  pipeline_options.log = parts->log.get();
  pipeline_options.store = parts->state.get();
  AppStore* apps = parts->apps.get();
  pipeline_options.settings = [apps](std::string_view app_id) -> Result<AppSettings> {
    UM_ASSIGN_OR_RETURN(App app, apps->Get(app_id));
    return app.settings;
  };
  pipeline_options.metrics = &parts->registry;
  UM_ASSIGN_OR_RETURN(parts->pipeline, Pipeline::Start(std::move(pipeline_options)));

  parts->context.apps = parts->apps.get();
  parts->context.log = parts->log.get();
  parts->context.state = parts->state.get();
  parts->context.pipeline = parts->pipeline.get();
  // One thread: reports queue behind each other rather than take a second
  // core from ingest.
  parts->reports = std::make_unique<api::ReportPool>(1);
  parts->context.reports = parts->reports.get();
  parts->context.clock = &clock;
  parts->context.metrics = &parts->registry;

  api::AddHealthRoutes(&parts->router, &parts->context);
  api::AddEventRoutes(&parts->router, &parts->context);
  api::AddAppRoutes(&parts->router, &parts->context);
  api::AddAttributionRoutes(&parts->router, &parts->context);
  api::AddDeviceRoutes(&parts->router, &parts->context);

  http::ServerOptions http_options;
  http_options.host = options.host;
  http_options.port = options.port;
  http_options.threads = options.http_threads;
  http_options.metrics = &parts->registry;
  UM_ASSIGN_OR_RETURN(parts->server, http::HttpServer::Start(http_options, &parts->router));
  return std::unique_ptr<Service>(new Service(std::move(parts)));
}

Service::Service(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Service::~Service() { Stop(); }

uint16_t Service::port() const { return parts_->server->port(); }
const std::string& Service::admin_token() const { return parts_->context.admin_token; }
bool Service::admin_token_created() const { return parts_->token_created; }

bool Service::WaitForPipeline(std::chrono::milliseconds timeout) {
  return parts_->pipeline->WaitForOffset(parts_->log->DurableEndOffset(), timeout);
}

void Service::Stop() {
  std::call_once(parts_->stopped, [this] {
    parts_->server->Stop();
    // Reports still running finish (their answers go nowhere) before the
    // state they read goes away.
    parts_->reports.reset();
    // Closing the log answers (or fails) every append it still holds; their
    // responses go nowhere now, but nothing acknowledged is lost: a 202 is
    // only ever sent after the covering fdatasync. Their callbacks still
    // notify the pipeline, so it stops after that -- and before the log
    // object goes, since it holds one of its readers. What it has not
    // processed it picks up from its checkpoint on the next start.
    Status closed = parts_->log->Close();
    if (!closed.ok()) Log("serve").warn("event log closed with error: {}", closed.ToString());
    parts_->pipeline.reset();
    parts_->log.reset();
    parts_->state.reset();
  });
}

void Service::Wait() { parts_->server->Wait(); }

}  // namespace unmogrowp
