#include "api/stats_handlers.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analytics/daily_stats.h"
#include "analytics/report_data.h"
#include "api/auth.h"
#include "api/report_params.h"
#include "core/json_writer.h"
#include "meta/app_store.h"
#include "store/keys.h"

namespace unmogrowp::api {

namespace {

using analytics::StatsDimension;
using analytics::StatsRow;
using http::HttpRequest;
using http::HttpResponse;

// One series: a row per day of the range, and their union.
struct Series {
  std::vector<StatsRow> days;
  explicit Series(size_t n) : days(n) {}
};

Result<std::optional<StatsDimension>> ParseStatsGroupBy(
    const std::map<std::string, std::string>& params) {
  auto it = params.find("group_by");
  if (it == params.end()) return std::optional<StatsDimension>();
  if (it->second == "source") return std::optional(StatsDimension::kSource);
  if (it->second == "campaign") return std::optional(StatsDimension::kCampaign);
  if (it->second == "event_type") return std::optional(StatsDimension::kEventType);
  return BadParam(
      "group_by",
      fmt::format("group_by must be source, campaign or event_type, got \"{}\"", it->second));
}

void WriteCounters(const StatsRow& row, JsonWriter& w) {
  w.Key("events").Int(row.events);
  w.Key("unique_devices").Int(static_cast<int64_t>(row.devices.Count()));
  w.Key("installs").Int(row.installs);
  w.Key("revenue").Double(row.revenue);
}

// "days": [...], "totals": {...}
void WriteSeries(const Series& series, int64_t from_day, JsonWriter& w) {
  StatsRow totals;
  w.Key("days").BeginArray();
  for (size_t i = 0; i < series.days.size(); ++i) {
    const StatsRow& row = series.days[i];
    w.BeginObject();
    w.Key("date").String(FormatDay(from_day + static_cast<int64_t>(i)));
    WriteCounters(row, w);
    w.EndObject();
    totals.Add(row);
  }
  w.EndArray();
  w.Key("totals").BeginObject();
  WriteCounters(totals, w);
  w.EndObject();
}

Result<HttpResponse> StatsReport(const ApiContext& context, HttpRequest& request) {
  std::string app_id(request.path_params[0]);
  UM_RETURN_IF_ERROR(context.apps->Get(app_id).status());
  UM_ASSIGN_OR_RETURN(auto params, ParseQuery(request.query));
  UM_ASSIGN_OR_RETURN(DayRange range,
                      ParseDayRange(params, store::DayOfMs(context.clock->NowMs())));
  UM_ASSIGN_OR_RETURN(std::optional<StatsDimension> group_by, ParseStatsGroupBy(params));

  const size_t n = static_cast<size_t>(range.to_day - range.from_day + 1);
  Series all(n);
  std::map<std::string, Series> groups;
  UM_RETURN_IF_ERROR(context.data->DailyStats(
      app_id, range.from_day, range.to_day, group_by,
      [&](int64_t day, StatsDimension dimension, std::string_view value, const StatsRow& row) {
        const size_t i = static_cast<size_t>(day - range.from_day);
        if (dimension == StatsDimension::kAll) {
          all.days[i].Add(row);
        } else {
          groups.try_emplace(std::string(value), n).first->second.days[i].Add(row);
        }
        return true;
      }));

  HttpResponse response;
  JsonWriter w(&response.body);
  w.BeginObject();
  WriteSeries(all, range.from_day, w);
  w.Key("unique_devices_exact").Bool(false);
  if (group_by) {
    w.Key("group_by")
        .String(*group_by == StatsDimension::kSource     ? "source"
                : *group_by == StatsDimension::kCampaign ? "campaign"
                                                         : "event_type");
    // Biggest groups first; a group whose events were all erased goes.
    std::vector<std::pair<int64_t, const std::string*>> order;
    for (const auto& [key, series] : groups) {
      int64_t events = 0;
      for (const StatsRow& row : series.days) events += row.events;
      if (events != 0) order.emplace_back(events, &key);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    w.Key("groups").BeginArray();
    for (const auto& [events, key] : order) {
      w.BeginObject();
      w.Key("key").String(*key);
      WriteSeries(groups.at(*key), range.from_day, w);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return response;
}

}  // namespace

void AddStatsRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/v1/apps/{app_id}/stats", "stats",
              AdminOnly(
                  &context->admin_token,
                  [context](HttpRequest& request) { return StatsReport(*context, request); },
                  context->reports));
}

}  // namespace unmogrowp::api
