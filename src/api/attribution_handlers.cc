#include "api/attribution_handlers.h"

#include <algorithm>
#include <map>
#include <vector>

#include "analytics/report_data.h"
#include "api/auth.h"
#include "api/mta_report.h"
#include "api/report_params.h"
#include "core/json_writer.h"
#include "event/field_rules.h"
#include "meta/app_store.h"
#include "store/install_rollup.h"
#include "store/keys.h"

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
  UM_RETURN_IF_ERROR(context.data->InstallRollups(
      app_id, range.from_day, range.to_day,
      [&](const store::RollupChannel& channel, const store::RollupCounters& counters) {
        if (channel.organic) {
          organic.Add(counters);
          return true;
        }
        ChannelRow& row = rows[ChannelName(channel, group_by)];
        row.deterministic += counters.deterministic;
        row.probabilistic += counters.probabilistic;
        row.revenue += counters.revenue;
        return true;
      }));

  // A channel whose installs and revenue were all erased has no row.
  std::erase_if(rows, [](const auto& entry) {
    const ChannelRow& row = entry.second;
    return row.deterministic == 0 && row.probabilistic == 0 && row.revenue == 0;
  });
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

Result<MtaQuery> ParseMtaQuery(const ApiContext& context, const HttpRequest& request) {
  MtaQuery q;
  q.app_id = std::string(request.path_params[0]);
  UM_ASSIGN_OR_RETURN(App app, context.apps->Get(q.app_id));
  q.time_decay_half_life_hours = app.settings.time_decay_half_life_hours;
  UM_ASSIGN_OR_RETURN(auto params, ParseQuery(request.query));
  auto model = params.find("model");
  if (model != params.end()) {
    std::optional<MtaModel> parsed = ParseMtaModel(model->second);
    if (!parsed) {
      return Status::InvalidArgument("model",
                                     "model must be one of first, last, linear, time_decay, "
                                     "position_based, markov, shapley; got \"" +
                                         model->second + "\"",
                                     "invalid_value");
    }
    q.model = *parsed;
  }
  auto conversion = params.find("conversion");
  if (conversion != params.end()) q.conversion = conversion->second;
  if (!IsValidEventType(q.conversion) || q.conversion == "click" || q.conversion == "impression") {
    return Status::InvalidArgument("conversion",
                                   "conversion must be install or an in-app event type "
                                   "([a-z0-9_]{1,64}, not click or impression); got \"" +
                                       q.conversion + "\"",
                                   "invalid_value");
  }
  UM_ASSIGN_OR_RETURN(q.range, ParseDayRange(params, store::DayOfMs(context.clock->NowMs())));
  UM_ASSIGN_OR_RETURN(q.group_by, ParseGroupBy(params));
  return q;
}

Result<HttpResponse> MtaReportResponse(const ApiContext& context, HttpRequest& request) {
  UM_ASSIGN_OR_RETURN(MtaQuery q, ParseMtaQuery(context, request));
  UM_ASSIGN_OR_RETURN(MtaReport report, ComputeMtaReport(*context.data, q));
  HttpResponse response;
  JsonWriter w(&response.body);
  w.BeginObject();
  w.Key("model").String(MtaModelName(q.model));
  w.Key("conversion").String(q.conversion);
  w.Key("total_conversions").Int(report.total_conversions);
  w.Key("total_revenue").Double(report.total_revenue);
  w.Key("rows").BeginArray();
  for (const MtaRow& row : report.rows) {
    w.BeginObject().Key("channel").String(row.channel);
    w.Key("conversions").Double(row.conversions).Key("revenue").Double(row.revenue).EndObject();
  }
  w.EndArray().EndObject();
  return response;
}

}  // namespace

void AddAttributionRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/v1/apps/{app_id}/attribution/installs", "attribution_installs",
              AdminOnly(
                  &context->admin_token,
                  [context](HttpRequest& request) { return InstallsReport(*context, request); },
                  context->reports));
  router->Add("GET", "/v1/apps/{app_id}/attribution/mta", "attribution_mta",
              AdminOnly(
                  &context->admin_token,
                  [context](HttpRequest& request) { return MtaReportResponse(*context, request); },
                  context->reports));
}

}  // namespace unmogrowp::api
