#include "api/event_handlers.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <memory>

#include "api/auth.h"
#include "api/errors.h"
#include "api/live_counter.h"
#include "core/ids.h"
#include "core/json_writer.h"
#include "event/decoder.h"
#include "log/event_log.h"
#include "pipeline/pipeline.h"

namespace unmogrowp::api {

namespace {

// Ingest counters shared by both routes.
class IngestMetrics {
 public:
  explicit IngestMetrics(prometheus::Registry* registry)
      : accepted_(prometheus::BuildCounter()
                      .Name("unmogrowp_events_accepted_total")
                      .Help("Events durably appended to the event log and acknowledged")
                      .Register(*registry)
                      .Add({})),
        rejected_(prometheus::BuildCounter()
                      .Name("unmogrowp_events_rejected_total")
                      .Help("Events not accepted, by error code")
                      .Register(*registry)) {}

  void Accepted(size_t n) { accepted_.Increment(static_cast<double>(n)); }
  void Rejected(std::string_view code, size_t n = 1) {
    rejected_.Add({{"code", std::string(code)}}).Increment(static_cast<double>(n));
  }

 private:
  prometheus::Counter& accepted_;
  prometheus::Family<prometheus::Counter>& rejected_;
};

bool IsNdjson(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return EqualsIgnoreCase(media, "application/x-ndjson") ||
         EqualsIgnoreCase(media, "application/ndjson") ||
         EqualsIgnoreCase(media, "application/jsonl");
}

std::string BatchResponseBody(size_t accepted, const std::vector<Rejection>& rejected) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject().Key("accepted").Uint(accepted).Key("rejected").BeginArray();
  for (const Rejection& r : rejected) {
    w.BeginObject().Key("index").Uint(r.index).Key("code").String(r.code);
    w.Key("message").String(r.message).Key("field").String(r.field).EndObject();
  }
  w.EndArray().EndObject();
  return body;
}

// Appends `batch` (events of `app_id`) and answers `success_body` once it is
// durable.
void AppendAndRespond(const ApiContext* context, IngestMetrics* metrics, std::string app_id,
                      EncodedBatch batch, std::string success_body, http::Responder respond) {
  size_t n = batch.size();
  auto responder = std::make_shared<http::Responder>(std::move(respond));
  Pipeline* pipeline = context->pipeline;
  LiveCounter* live = context->live;
  context->log->Append(std::move(batch),
                       [metrics, n, responder, pipeline, live, app_id = std::move(app_id),
                        body = std::move(success_body)](const Status& status, uint64_t) mutable {
                         if (status.ok()) {
                           if (pipeline != nullptr) pipeline->Notify();
                           metrics->Accepted(n);
                           if (live != nullptr) live->Add(app_id, n);
                           responder->Send(http::HttpResponse::Json(202, std::move(body)));
                         } else {
                           metrics->Rejected(status.reason(), n);
                           responder->Send(ErrorResponse(status));
                         }
                       });
}

// Auth and log health, shared by both routes. Returns the app id or the error.
Result<std::string> Admit(const ApiContext* context, const http::HttpRequest& request) {
  UM_ASSIGN_OR_RETURN(std::string app_id, AuthenticateApiKey(request, *context->apps));
  UM_RETURN_IF_ERROR(context->log->Health());
  return app_id;
}

EventDecoder& ThreadDecoder() {
  thread_local EventDecoder decoder;
  return decoder;
}

}  // namespace

void AddEventRoutes(http::Router* router, const ApiContext* context) {
  auto metrics = std::make_shared<IngestMetrics>(context->metrics);

  router->Add("POST", "/v1/events", "events",
              [context, metrics](http::HttpRequest& request, http::Responder respond) {
                Result<std::string> app_id = Admit(context, request);
                if (!app_id.ok()) return respond.Send(ErrorResponse(app_id.status()));
                DecodeContext ctx{*app_id, context->clock->NowMs(), &ThreadIdGenerator()};
                EncodedBatch batch;
                std::string event_id;
                Status decoded = ThreadDecoder().DecodeOne(request.body, ctx, &batch, &event_id);
                if (!decoded.ok()) {
                  metrics->Rejected(decoded.reason());
                  return respond.Send(ErrorResponse(decoded));
                }
                std::string body;
                JsonWriter(&body).BeginObject().Key("event_id").String(event_id).EndObject();
                AppendAndRespond(context, metrics.get(), std::move(app_id).value(),
                                 std::move(batch), std::move(body), std::move(respond));
              });

  router->Add("POST", "/v1/events/batch", "events_batch",
              [context, metrics](http::HttpRequest& request, http::Responder respond) {
                Result<std::string> app_id = Admit(context, request);
                if (!app_id.ok()) return respond.Send(ErrorResponse(app_id.status()));
                DecodeContext ctx{*app_id, context->clock->NowMs(), &ThreadIdGenerator()};
                EncodedBatch batch;
                batch.bytes.reserve(request.body.size());
                std::vector<Rejection> rejected;
                size_t total = 0;
                Status decoded = ThreadDecoder().DecodeBatch(
                    request.body, IsNdjson(request.Header("Content-Type")), ctx, &batch, &rejected,
                    &total);
                if (!decoded.ok()) {
                  metrics->Rejected(decoded.reason());
                  return respond.Send(ErrorResponse(decoded));
                }
                for (const Rejection& r : rejected) metrics->Rejected(r.code);
                std::string body = BatchResponseBody(batch.size(), rejected);
                if (batch.empty())
                  return respond.Send(http::HttpResponse::Json(202, std::move(body)));
                AppendAndRespond(context, metrics.get(), std::move(app_id).value(),
                                 std::move(batch), std::move(body), std::move(respond));
              });
}

}  // namespace unmogrowp::api
