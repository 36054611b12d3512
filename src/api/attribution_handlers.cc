#include "api/attribution_handlers.h"

#include <algorithm>
#include <map>
#include <vector>

#include "api/auth.h"
#include "api/report_params.h"
#include "core/json_writer.h"
#include "meta/app_store.h"
#include "store/install_rollup.h"
#include "store/keys.h"
#include "store/state_store.h"

namespace unmogrowp::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

struct ChannelRow {
  int64_t deterministic = 0;
  int64_t probabilistic = 0;
  double revenue = 0;
};

std::string ChannelName(const store::RollupChannel& channel, GroupBy group_by) {
  const std::string& name = group_by == GroupBy::kSource ? channel.source : channel.campaign;
  return name.empty() ? std::string("(none)") : name;
}

Result<HttpResponse> InstallsReport(const ApiContext& context, HttpRequest& request) {
  std::string app_id(request.path_params[0]);
  UM_RETURN_IF_ERROR(context.apps->Get(app_id).status());
  UM_ASSIGN_OR_RETURN(auto params, ParseQuery(request.query));
  UM_ASSIGN_OR_RETURN(DayRange range,
                      ParseDayRange(params, store::DayOfMs(context.clock->NowMs())));
  UM_ASSIGN_OR_RETURN(GroupBy group_by, ParseGroupBy(params));

  std::map<std::string, ChannelRow> rows;
  store::RollupCounters organic;
  size_t prefix_bytes = store::AppPrefix(app_id).size();
  Status decode_error;
  UM_RETURN_IF_ERROR(context.state->Scan(
      store::Table::kInstallRollup, store::RollupDayPrefix(app_id, range.from_day),
      store::RollupDayPrefix(app_id, range.to_day + 1),
      [&](std::string_view key, std::string_view value) {
        Result<store::RollupChannel> channel = store::DecodeRollupKey(key, prefix_bytes);
        Result<store::RollupCounters> counters = store::DecodeRollupCounters(value);
        if (!channel.ok() || !counters.ok()) {
          decode_error = channel.ok() ? counters.status() : channel.status();
          return false;
        }
        if (channel->organic) {
          organic.Add(*counters);
          return true;
        }
        ChannelRow& row = rows[ChannelName(*channel, group_by)];
        row.deterministic += counters->deterministic;
        row.probabilistic += counters->probabilistic;
        row.revenue += counters->revenue;
        return true;
      }));
  UM_RETURN_IF_ERROR(decode_error);

  std::vector<std::pair<std::string, ChannelRow>> sorted(rows.begin(), rows.end());
  // Most installs first; ties by channel name.
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second.deterministic + a.second.probabilistic >
           b.second.deterministic + b.second.probabilistic;
  });
  HttpResponse response;
  JsonWriter w(&response.body);
  w.BeginObject().Key("rows").BeginArray();
  for (const auto& [channel, row] : sorted) {
    w.BeginObject();
    w.Key("channel").String(channel);
    w.Key("installs").Int(row.deterministic + row.probabilistic);
    w.Key("deterministic").Int(row.deterministic);
    w.Key("probabilistic").Int(row.probabilistic);
    w.Key("revenue").Double(row.revenue);
    w.EndObject();
  }
  w.EndArray();
  w.Key("organic").Int(organic.organic);
  w.Key("organic_revenue").Double(organic.revenue);
  w.Key("rejected_fraud").Int(0);
  w.EndObject();
  return response;
}

}  // namespace

void AddAttributionRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/v1/apps/{app_id}/attribution/installs", "attribution_installs",
              AdminOnly(&context->admin_token, [context](HttpRequest& request) {
                return InstallsReport(*context, request);
              }));
}

}  // namespace unmogrowp::api
