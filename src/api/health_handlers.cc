#include "api/health_handlers.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "api/auth.h"
#include "api/errors.h"
#include "core/json_writer.h"
#include "log/event_log.h"
#include "pipeline/partition_workers.h"
#include "pipeline/pipeline.h"

namespace unmogrowp::api {

namespace {

Result<http::HttpResponse> PipelineStatus(const ApiContext& context) {
  // Read the pipeline first: its offset never passes the log's.
  uint64_t committed = context.pipeline->committed_offset();
  EventProcessor::Stats stats = context.pipeline->stats();
  Status health = context.pipeline->health();
  uint64_t durable = context.log->DurableEndOffset();
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
  return response;
}

// A scale-out worker: each owned partition's checkpoint and end (Kafka
// offsets); caught up when they are equal.
Result<http::HttpResponse> WorkersStatus(const PartitionWorkers& workers) {
  std::vector<PartitionWorkers::Progress> progress = workers.progress();
  EventProcessor::Stats stats = workers.stats();
  Status health = workers.health();
  http::HttpResponse response;
  JsonWriter w(&response.body);
  w.BeginObject();
  w.Key("status").String(health.ok() ? "ok" : "paused");
  if (!health.ok()) w.Key("error").String(health.ToString());
  w.Key("partitions").BeginArray();
  for (const PartitionWorkers::Progress& p : progress) {
    w.BeginObject();
    w.Key("partition").Int(p.partition);
    w.Key("committed_offset").Uint(p.committed);
    w.Key("end_offset").Uint(p.end);
    w.Key("lag_records").Uint(p.end > p.committed ? p.end - p.committed : 0);
    w.EndObject();
  }
  w.EndArray();
  w.Key("events_applied").Uint(stats.applied);
  w.Key("duplicates_skipped").Uint(stats.duplicates);
  w.EndObject();
  return response;
}

}  // namespace

void AddHealthRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/healthz", "healthz", [context](http::HttpRequest&, http::Responder respond) {
    // An ingest or API node is as healthy as its log; a pipeline worker as
    // its partitions' pipelines.
    Status health = context->log != nullptr ? context->log->Health() : Status::OK();
    if (health.ok() && context->workers != nullptr) health = context->workers->health();
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
                if (context->pipeline != nullptr) return PipelineStatus(*context);
                if (context->workers != nullptr) return WorkersStatus(*context->workers);
                return Result<http::HttpResponse>(
                    Status::NotFound("no pipeline runs on this node (serve --role ingest or api)"));
              }));
}

}  // namespace unmogrowp::api
