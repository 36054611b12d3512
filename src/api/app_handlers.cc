#include "api/app_handlers.h"

#include "api/app_json.h"
#include "api/auth.h"
#include "api/errors.h"
#include "meta/app_store.h"

namespace unmogrowp::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::Responder;

HttpResponse AppResponse(int status, const App& app, std::string_view api_key) {
  HttpResponse response;
  response.status = status;
  AppendAppJson(app, api_key, &response.body);
  return response;
}

}  // namespace

void AddAppRoutes(http::Router* router, const ApiContext* context) {
  AppStore* apps = context->apps;

  router->Add(
      "POST", "/v1/apps", "apps_create",
      AdminOnly(&context->admin_token, [apps](HttpRequest& request) -> Result<HttpResponse> {
        UM_ASSIGN_OR_RETURN(AppCreateRequest create, ParseAppCreate(request.body));
        UM_ASSIGN_OR_RETURN(
            CreatedApp created,
            apps->Create(std::move(create.name), std::move(create.platform), create.settings));
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

  router->Add(
      "PATCH", "/v1/apps/{app_id}", "apps_patch",
      AdminOnly(&context->admin_token, [apps](HttpRequest& request) -> Result<HttpResponse> {
        UM_RETURN_IF_ERROR(apps->Get(request.path_params[0]).status());  // 404 first
        UM_ASSIGN_OR_RETURN(AppPatchRequest patch, ParseAppPatch(request.body));
        UM_ASSIGN_OR_RETURN(App updated, apps->Update(request.path_params[0], std::move(patch.name),
                                                      patch.edit_settings));
        return AppResponse(200, updated, "");
      }));

  router->Add(
      "POST", "/v1/apps/{app_id}/rotate-key", "apps_rotate_key",
      AdminOnly(&context->admin_token, [apps](HttpRequest& request) -> Result<HttpResponse> {
        UM_ASSIGN_OR_RETURN(CreatedApp rotated, apps->RotateKey(request.path_params[0]));
        return AppResponse(200, rotated.app, rotated.api_key);
      }));
}

}  // namespace unmogrowp::api
