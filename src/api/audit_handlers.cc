#include "api/audit_handlers.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <map>
#include <string>

#include "api/auth.h"
#include "api/report_params.h"
#include "core/json_writer.h"
#include "meta/audit_log.h"

namespace unmogrowp::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;

// The parameter `name` as a decimal integer in [min, max]; `fallback` when
// it is absent.
Result<int64_t> IntParam(const std::map<std::string, std::string>& params, const std::string& name,
                         int64_t fallback, int64_t min, int64_t max) {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  const std::string& text = it->second;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return Status::InvalidArgument(
        name, fmt::format("{} must be an integer from {} to {}", name, min, max), "invalid_value");
  }
  return value;
}

void AppendEntry(const AuditEntry& entry, JsonWriter& w) {
  w.BeginObject();
  w.Key("id").Int(entry.id);
  w.Key("at").Int(entry.at_ms);
  w.Key("actor").String(entry.actor);
  w.Key("action").String(entry.action);
  w.Key("app_id").StringOrNull(entry.app_id);
  w.Key("target").String(entry.target);
  w.Key("detail").StringOrNull(entry.detail);
  w.EndObject();
}

Result<HttpResponse> ListAudit(AuditLog& audit, const HttpRequest& request) {
  UM_ASSIGN_OR_RETURN(auto params, ParseQuery(request.query));
  UM_ASSIGN_OR_RETURN(int64_t limit, IntParam(params, "limit", kDefaultLimit, 1, kMaxLimit));
  UM_ASSIGN_OR_RETURN(int64_t before,
                      IntParam(params, "before", 0, 1, std::numeric_limits<int64_t>::max()));
  auto app_id = params.find("app_id");
  std::string_view app_filter = app_id == params.end() ? std::string_view() : app_id->second;

  UM_ASSIGN_OR_RETURN(std::vector<AuditEntry> entries,
                      audit.List(app_filter, static_cast<size_t>(limit), before));
  HttpResponse response;
  JsonWriter w(&response.body);
  w.BeginObject();
  w.Key("entries").BeginArray();
  for (const AuditEntry& entry : entries) AppendEntry(entry, w);
  w.EndArray();
  // A full page may have more behind it; a short one is the last.
  w.Key("next_before");
  if (!entries.empty() && entries.size() == static_cast<size_t>(limit)) {
    w.Int(entries.back().id);
  } else {
    w.Null();
  }
  w.EndObject();
  return response;
}

}  // namespace

void AddAuditRoutes(http::Router* router, const ApiContext* context) {
  AuditLog* audit = context->audit;
  router->Add("GET", "/v1/audit", "audit_list",
              AdminOnly(&context->admin_token,
                        [audit](HttpRequest& request) { return ListAudit(*audit, request); }));
}

}  // namespace unmogrowp::api
