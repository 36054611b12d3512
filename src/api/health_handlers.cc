#include "api/health_handlers.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "api/errors.h"
#include "log/event_log.h"

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
}

}  // namespace unmogrowp::api
