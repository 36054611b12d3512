#include "api/device_handlers.h"

#include <algorithm>
#include <vector>

#include "analytics/report_data.h"
#include "api/auth.h"
#include "attribution/install_match.h"
#include "core/json_writer.h"
#include "event/codec.h"
#include "event/json.h"
#include "event/time_order.h"
#include "meta/app_store.h"
#include "store/bytes.h"
#include "store/device_state.h"
#include "store/keys.h"

namespace unmogrowp::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

void AppendInstall(const store::DeviceInstall& install, JsonWriter& w) {
  auto match = static_cast<MatchType>(install.match);
  w.BeginObject();
  w.Key("timestamp").Int(install.ts_ms);
  std::string channel = match == MatchType::kOrganic ? "(organic)"
                        : install.source.empty()     ? "(none)"
                                                     : install.source;
  w.Key("channel").String(channel);
  w.Key("source").StringOrNull(install.source);
  w.Key("campaign").StringOrNull(install.campaign);
  w.Key("match").String(MatchTypeName(match));
  w.Key("touchpoint_event_id").StringOrNull(install.touch_event_id);
  w.EndObject();
}

Result<HttpResponse> DeviceReport(const ApiContext& context, HttpRequest& request) {
  std::string app_id(request.path_params[0]);
  std::string device_id(request.path_params[1]);
  UM_RETURN_IF_ERROR(context.apps->Get(app_id).status());

  UM_ASSIGN_OR_RETURN(std::vector<std::string> payloads,
                      context.data->DeviceEvents(app_id, device_id));
  if (payloads.empty()) {
    return Status::NotFound("no events for device " + device_id + " in app " + app_id);
  }
  // Views into `payloads`, which no longer changes.
  std::vector<EventView> events(payloads.size());
  for (size_t i = 0; i < payloads.size(); ++i) {
    UM_RETURN_IF_ERROR(DecodeEncoded(payloads[i], &events[i]));
  }

  UM_ASSIGN_OR_RETURN(std::optional<store::DeviceInstall> install,
                      context.data->DeviceInstall(app_id, device_id));

  HttpResponse response;
  JsonWriter w(&response.body);
  w.BeginObject();
  w.Key("device_id").String(device_id);
  w.Key("install");
  if (install) {
    AppendInstall(*install, w);
  } else {
    w.Null();
  }
  w.Key("events").BeginArray();
  std::string event_json;
  for (const EventView& event : events) {
    event_json.clear();
    AppendEventJson(event, &event_json);
    w.Raw(event_json);
  }
  w.EndArray().EndObject();
  return response;
}

}  // namespace

void AddDeviceRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/v1/apps/{app_id}/devices/{device_id}", "devices_get",
              AdminOnly(
                  &context->admin_token,
                  [context](HttpRequest& request) { return DeviceReport(*context, request); },
                  context->reports));
}

}  // namespace unmogrowp::api
