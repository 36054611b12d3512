#include "api/app_handlers.h"

#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "api/app_json.h"
#include "api/auth.h"
#include "api/live_counter.h"
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

HttpResponse AppResponse(int status, const App& app, std::string_view api_key) {
  HttpResponse response;
  response.status = status;
  AppendAppJson(app, api_key, &response.body);
  return response;
}

Status Audit(const ApiContext& context, std::string_view action, std::string_view app_id,
             std::string detail) {
  AuditEntry entry;
  entry.actor = "admin";  // the only credential that reaches these endpoints
  entry.action = std::string(action);
  entry.app_id = std::string(app_id);
  entry.target = "app";
  entry.detail = std::move(detail);
  return context.audit->Append(std::move(entry)).status();
}

// What an update changed, as the API names the fields: "name,
// settings.retention_days", or "nothing".
std::string ChangedFields(const App& before, const App& after) {
  std::vector<std::string_view> changed;
  if (before.name != after.name) changed.push_back("name");
  const AppSettings& b = before.settings;
  const AppSettings& a = after.settings;
  if (b.click_lookback_hours != a.click_lookback_hours) {
    changed.push_back("settings.click_lookback_hours");
  }
  if (b.impression_lookback_hours != a.impression_lookback_hours) {
    changed.push_back("settings.impression_lookback_hours");
  }
  if (b.probabilistic != a.probabilistic) changed.push_back("settings.probabilistic");
  if (b.probabilistic_window_hours != a.probabilistic_window_hours) {
    changed.push_back("settings.probabilistic_window_hours");
  }
  if (b.mta_lookback_days != a.mta_lookback_days) changed.push_back("settings.mta_lookback_days");
  if (b.time_decay_half_life_hours != a.time_decay_half_life_hours) {
    changed.push_back("settings.time_decay_half_life_hours");
  }
  if (b.retention_days != a.retention_days) changed.push_back("settings.retention_days");
  if (changed.empty()) return "changed nothing";
  std::string detail = "changed ";
  for (size_t i = 0; i < changed.size(); ++i) {
    if (i > 0) detail += ", ";
    detail += changed[i];
  }
  return detail;
}

// Runs on the report pool: it waits for the log and the pipeline. The order
// and its crash windows are in app_handlers.h.
Result<HttpResponse> DeleteApp(const ApiContext& context, HttpRequest& request) {
  const std::string app_id(request.path_params[0]);
  UM_RETURN_IF_ERROR(context.apps->Get(app_id).status());
  UM_RETURN_IF_ERROR(context.log->Health());

  const AppDeletionRecord deletion{app_id, context.clock->NowMs()};
  EncodedBatch batch;
  AppendAppDeletion(deletion, &batch.bytes);
  batch.EndEvent();
  UM_ASSIGN_OR_RETURN(uint64_t offset, AppendDurably(*context.log, std::move(batch)));
  // Scale-out: the workers apply it from the topic (every partition); the
  // answer is then 202.
  bool applied = false;
  if (context.pipeline != nullptr) {
    context.pipeline->Notify();
    applied = context.pipeline->WaitForOffset(offset + 1, kAppDeletionWait);
  }
  // NotFound: the pipeline removed it already (Options::app_deleted), or a
  // concurrent DELETE did.
  Status removed = context.apps->Delete(app_id);
  if (!removed.ok() && removed.code() != StatusCode::kNotFound) return removed;
  if (context.live != nullptr) context.live->Forget(app_id);

  HttpResponse response;
  if (applied) {
    response.status = 204;
    return response;
  }
  response.status = 202;
  JsonWriter(&response.body)
      .BeginObject()
      .Key("app_id")
      .String(app_id)
      .Key("requested_at")
      .Int(deletion.requested_ms)
      .EndObject();
  return response;
}

}  // namespace

void AddAppRoutes(http::Router* router, const ApiContext* context) {
  AppStore* apps = context->apps;

  router->Add(
      "POST", "/v1/apps", "apps_create",
      AdminOnly(
          &context->admin_token, [context, apps](HttpRequest& request) -> Result<HttpResponse> {
            UM_ASSIGN_OR_RETURN(AppCreateRequest create, ParseAppCreate(request.body));
            UM_ASSIGN_OR_RETURN(
                CreatedApp created,
                apps->Create(std::move(create.name), std::move(create.platform), create.settings,
                             /*demo=*/false));
            UM_RETURN_IF_ERROR(Audit(*context, "app.create", created.app.id,
                                     fmt::format("platform {}", created.app.platform)));
            return AppResponse(201, created.app, created.api_key);
          }));

  router->Add("GET", "/v1/apps", "apps_list",
              AdminOnly(&context->admin_token, [apps](HttpRequest&) -> Result<HttpResponse> {
                UM_ASSIGN_OR_RETURN(std::vector<App> list, apps->List());
                HttpResponse response;
                AppendAppListJson(list, &response.body);
                return response;
              }));

  router->Add(
      "GET", "/v1/apps/{app_id}", "apps_get",
      AdminOnly(&context->admin_token, [apps](HttpRequest& request) -> Result<HttpResponse> {
        UM_ASSIGN_OR_RETURN(App app, apps->Get(request.path_params[0]));
        return AppResponse(200, app, "");
      }));

  router->Add("PATCH", "/v1/apps/{app_id}", "apps_patch",
              AdminOnly(&context->admin_token,
                        [context, apps](HttpRequest& request) -> Result<HttpResponse> {
                          // 404 first, before the body is looked at.
                          UM_ASSIGN_OR_RETURN(App before, apps->Get(request.path_params[0]));
                          UM_ASSIGN_OR_RETURN(AppPatchRequest patch, ParseAppPatch(request.body));
                          UM_ASSIGN_OR_RETURN(App updated, apps->Update(request.path_params[0],
                                                                        std::move(patch.name),
                                                                        patch.edit_settings));
                          // `before` may be older than what the update merged into
                          // (a concurrent PATCH): the detail is a summary, the
                          // stored app is the truth.
                          UM_RETURN_IF_ERROR(Audit(*context, "app.update", updated.id,
                                                   ChangedFields(before, updated)));
                          return AppResponse(200, updated, "");
                        }));

  router->Add("POST", "/v1/apps/{app_id}/rotate-key", "apps_rotate_key",
              AdminOnly(&context->admin_token,
                        [context, apps](HttpRequest& request) -> Result<HttpResponse> {
                          UM_ASSIGN_OR_RETURN(CreatedApp rotated,
                                              apps->RotateKey(request.path_params[0]));
                          UM_RETURN_IF_ERROR(Audit(*context, "app.rotate_key", rotated.app.id,
                                                   "new API key issued; the old one is rejected"));
                          return AppResponse(200, rotated.app, rotated.api_key);
                        }));

  router->Add("DELETE", "/v1/apps/{app_id}", "apps_delete",
              AdminOnly(
                  &context->admin_token,
                  [context](HttpRequest& request) { return DeleteApp(*context, request); },
                  context->reports));
}

}  // namespace unmogrowp::api
