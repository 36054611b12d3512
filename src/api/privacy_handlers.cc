#include "api/privacy_handlers.h"

#include <fmt/format.h>

#include <string>
#include <utility>

#include "api/auth.h"
#include "api/report_params.h"
#include "core/json_writer.h"
#include "event/encoded_batch.h"
#include "event/log_payload.h"
#include "log/event_log.h"
#include "meta/app_store.h"
#include "meta/audit_log.h"
#include "pipeline/pipeline.h"

namespace unmogrowp::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr size_t kMaxDeviceIdBytes = 128;

// Runs on the report pool: it waits for the log and the pipeline.
Result<HttpResponse> Erase(const ApiContext& context, HttpRequest& request) {
  std::string app_id(request.path_params[0]);
  std::string device_id(request.path_params[1]);
  UM_RETURN_IF_ERROR(context.apps->Get(app_id).status());
  if (device_id.empty() || device_id.size() > kMaxDeviceIdBytes) {
    return BadParam("device_id", fmt::format("device_id must be 1 to {} bytes", kMaxDeviceIdBytes));
  }
  UM_RETURN_IF_ERROR(context.log->Health());

  ErasureRecord erasure{app_id, device_id, context.clock->NowMs()};
  EncodedBatch batch;
  AppendErasure(erasure, &batch.bytes);
  batch.EndEvent();
  UM_ASSIGN_OR_RETURN(uint64_t offset, AppendDurably(*context.log, std::move(batch)));
  if (context.pipeline != nullptr) context.pipeline->Notify();

  AuditEntry entry;
  entry.actor = "admin";
  entry.action = "device.erase";
  entry.app_id = app_id;
  entry.target = DeviceTarget(device_id);
  entry.detail = context.pipeline != nullptr
                     ? fmt::format("erasure record at log offset {}", offset)
                     : std::string("erasure record in the Kafka log");
  UM_RETURN_IF_ERROR(context.audit->Append(std::move(entry)).status());

  // Scale-out: the workers apply it from the topic; the 202 says it is
  // recorded (API.md: reports exclude the device once it is applied).
  if (context.pipeline != nullptr && !context.pipeline->WaitForOffset(offset + 1, kErasureWait)) {
    return Status::Unavailable(
        "the erasure is recorded and will be applied, but the pipeline has not reached it yet; "
        "repeat the request to confirm");
  }
  HttpResponse response;
  response.status = 202;
  JsonWriter(&response.body)
      .BeginObject()
      .Key("device_id")
      .String(device_id)
      .Key("requested_at")
      .Int(erasure.requested_ms)
      .EndObject();
  return response;
}

// Runs retention and log redaction now; answers with what it did.
Result<HttpResponse> Maintain(const ApiContext& context) {
  if (context.pipeline == nullptr) {
    return Status::FailedPrecondition(
        "maintenance runs on each pipeline worker (every maintenance_interval) in scale-out "
        "mode, not through the API");
  }
  UM_ASSIGN_OR_RETURN(Pipeline::MaintenanceReport report,
                      context.pipeline->RunMaintenance(std::chrono::minutes(10)));
  HttpResponse response;
  JsonWriter(&response.body)
      .BeginObject()
      .Key("finished_at")
      .Int(report.finished_ms)
      .Key("events_expired")
      .Int(static_cast<int64_t>(report.events_expired))
      .Key("devices_expired")
      .Int(static_cast<int64_t>(report.devices_expired))
      .Key("log_records_redacted")
      .Int(static_cast<int64_t>(report.records_redacted))
      .Key("erasures_completed")
      .Int(static_cast<int64_t>(report.erasures_completed))
      .EndObject();
  return response;
}

}  // namespace

void AddPrivacyRoutes(http::Router* router, const ApiContext* context) {
  router->Add("POST", "/v1/maintenance", "maintenance",
              AdminOnly(
                  &context->admin_token, [context](HttpRequest&) { return Maintain(*context); },
                  context->reports));
  router->Add(
      "DELETE", "/v1/apps/{app_id}/devices/{device_id}", "devices_erase",
      AdminOnly(
          &context->admin_token,
          [context](HttpRequest& request) { return Erase(*context, request); }, context->reports));
}

}  // namespace unmogrowp::api
