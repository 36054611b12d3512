#include "api/health_handlers.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "api/auth.h"
#include "api/errors.h"
#include "core/json_writer.h"
#include "log/event_log.h"
#include "pipeline/pipeline.h"

namespace unmogrowp::api {

void AddHealthRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/healthz", "healthz", [context](http::HttpRequest&, http::Responder respond) {
    Status health = context->log->Health();
    if (!health.ok()) return respond.Send(ErrorResponse(health));
    respond.Send(http::HttpResponse::Json(200, R"({"status":"ok"})"));
  });
  router->Add("GET", "/metrics", "metrics", [context](http::HttpRequest&, http::Responder respond) {
    http::HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = prometheus::TextSerializer().Serialize(context->metrics->Collect());
    respond.Send(std::move(response));
  });
  router->Add("GET", "/v1/pipeline", "pipeline",
              AdminOnly(&context->admin_token, [context](http::HttpRequest&) {
                // Read the pipeline first: its offset never passes the log's.
                uint64_t committed = context->pipeline->committed_offset();
                EventProcessor::Stats stats = context->pipeline->stats();
                Status health = context->pipeline->health();
                uint64_t durable = context->log->DurableEndOffset();
                http::HttpResponse response;
                JsonWriter w(&response.body);
                w.BeginObject();
                w.Key("status").String(health.ok() ? "ok" : "paused");
                if (!health.ok()) w.Key("error").String(health.ToString());
                w.Key("durable_offset").Uint(durable);
                w.Key("committed_offset").Uint(committed);
                w.Key("lag_bytes").Uint(durable > committed ? durable - committed : 0);
                w.Key("events_applied").Uint(stats.applied);
                w.Key("duplicates_skipped").Uint(stats.duplicates);
                w.EndObject();
                return Result<http::HttpResponse>(std::move(response));
              }));
}

}  // namespace unmogrowp::api
