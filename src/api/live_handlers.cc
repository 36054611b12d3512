#include "api/live_handlers.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <string>

#include "api/auth.h"
#include "api/live_counter.h"
#include "api/report_params.h"
#include "core/json_writer.h"
#include "meta/app_store.h"

namespace unmogrowp::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr int kDefaultSeconds = 60;

Result<int> ParseSeconds(const std::map<std::string, std::string>& params) {
  auto it = params.find("seconds");
  if (it == params.end()) return kDefaultSeconds;
  const std::string& text = it->second;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 1 ||
      value > LiveCounter::kMaxSeconds) {
    return BadParam("seconds", fmt::format("seconds must be an integer from 1 to {}, got \"{}\"",
                                           LiveCounter::kMaxSeconds, text));
  }
  return value;
}

Result<HttpResponse> LiveReport(const ApiContext& context, HttpRequest& request) {
  std::string app_id(request.path_params[0]);
  UM_RETURN_IF_ERROR(context.apps->Get(app_id).status());
  UM_ASSIGN_OR_RETURN(auto params, ParseQuery(request.query));
  UM_ASSIGN_OR_RETURN(int seconds, ParseSeconds(params));
  LiveCounter::Window window = context.live->Read(app_id, seconds);

  HttpResponse response;
  JsonWriter w(&response.body);
  w.BeginObject();
  w.Key("app_id").String(app_id);
  w.Key("now_ms").Int(window.now_ms);
  w.Key("seconds").BeginArray();
  const int64_t first = window.last_second - static_cast<int64_t>(window.events.size()) + 1;
  for (size_t i = 0; i < window.events.size(); ++i) {
    w.BeginObject();
    w.Key("t").Int(first + static_cast<int64_t>(i));
    w.Key("events").Uint(window.events[i]);
    w.EndObject();
  }
  w.EndArray();
  w.Key("events_per_second").Uint(window.events.back());
  w.Key("events_total").Uint(window.total);
  w.EndObject();
  return response;
}

}  // namespace

void AddLiveRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/v1/apps/{app_id}/live", "live",
              AdminOnly(&context->admin_token,
                        [context](HttpRequest& request) { return LiveReport(*context, request); }));
}

}  // namespace unmogrowp::api
