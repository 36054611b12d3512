#include "api/service.h"

#include <prometheus/registry.h>

#include <filesystem>
#include <mutex>

#include "api/api_context.h"
#include "api/app_handlers.h"
#include "api/event_handlers.h"
#include "api/health_handlers.h"
#include "core/clock.h"
#include "core/logging.h"
#include "http/server.h"
#include "log/segmented_log.h"
#include "meta/admin_token.h"
#include "meta/sqlite_app_store.h"

namespace unmogrowp {

struct Service::Parts {
  prometheus::Registry registry;
  std::unique_ptr<SqliteAppStore> apps;
  std::unique_ptr<SegmentedLog> log;
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

  parts->context.apps = parts->apps.get();
  parts->context.log = parts->log.get();
  parts->context.clock = &clock;
  parts->context.metrics = &parts->registry;

  api::AddHealthRoutes(&parts->router, &parts->context);
  api::AddEventRoutes(&parts->router, &parts->context);
  api::AddAppRoutes(&parts->router, &parts->context);

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

void Service::Stop() {
  std::call_once(parts_->stopped, [this] {
    parts_->server->Stop();
    // Closing the log answers (or fails) every append it still holds; their
    // responses go nowhere now, but nothing acknowledged is lost: a 202 is
    // only ever sent after the covering fdatasync.
    parts_->log.reset();
  });
}

void Service::Wait() { parts_->server->Wait(); }

}  // namespace unmogrowp
