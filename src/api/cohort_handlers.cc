#include "api/cohort_handlers.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analytics/cohort_row.h"
#include "analytics/report_data.h"
#include "analytics/rollup_batch.h"
#include "api/auth.h"
#include "api/report_params.h"
#include "core/json_writer.h"
#include "meta/app_store.h"
#include "store/install_rollup.h"
#include "store/keys.h"

namespace unmogrowp::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr size_t kMaxCohortDays = 30;

// days=0,1,3,...: sorted, without repeats.
Result<std::vector<int64_t>> ParseCohortDays(const std::map<std::string, std::string>& params) {
  auto it = params.find("days");
  if (it == params.end()) return std::vector<int64_t>{0, 1, 3, 7, 14, 30};
  auto bad = [&](std::string_view why) {
    return BadParam("days", fmt::format("days {}, got \"{}\"", why, it->second));
  };
  std::vector<int64_t> days;
  std::string_view rest = it->second;
  while (true) {
    std::string_view item = rest.substr(0, rest.find(','));
    int64_t n = -1;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || n < 0 ||
        n > analytics::kMaxCohortDay) {
      return bad(fmt::format("must be comma-separated integers 0..{}", analytics::kMaxCohortDay));
    }
    days.push_back(n);
    if (item.size() == rest.size()) break;
    rest.remove_prefix(item.size() + 1);
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  if (days.size() > kMaxCohortDays)
    return bad(fmt::format("may list at most {} days", kMaxCohortDays));
  return days;
}

std::string ChannelName(const store::RollupChannel& channel, GroupBy group_by) {
  if (channel.organic) return std::string(analytics::kOrganicChannel);
  const std::string& name = group_by == GroupBy::kSource ? channel.source : channel.campaign;
  return name.empty() ? std::string(analytics::kNoneChannel) : name;
}

Result<HttpResponse> CohortReport(const ApiContext& context, HttpRequest& request) {
  std::string app_id(request.path_params[0]);
  UM_RETURN_IF_ERROR(context.apps->Get(app_id).status());
  UM_ASSIGN_OR_RETURN(auto params, ParseQuery(request.query));
  const int64_t today = store::DayOfMs(context.clock->NowMs());
  UM_ASSIGN_OR_RETURN(DayRange range, ParseDayRange(params, today));
  UM_ASSIGN_OR_RETURN(GroupBy group_by, ParseGroupBy(params));
  UM_ASSIGN_OR_RETURN(std::vector<int64_t> days, ParseCohortDays(params));

  // (install day, channel) -> the cohort, summed over the channels that
  // share a name under this grouping.
  std::map<std::pair<int64_t, std::string>, analytics::CohortRow> cohorts;
  UM_RETURN_IF_ERROR(context.data->Cohorts(
      app_id, range.from_day, range.to_day,
      [&](const store::RollupChannel& channel, const analytics::CohortRow& row) {
        cohorts[{channel.day, ChannelName(channel, group_by)}].Add(row);
        return true;
      }));

  HttpResponse response;
  JsonWriter w(&response.body);
  w.BeginObject();
  w.Key("group_by").String(group_by == GroupBy::kSource ? "source" : "campaign");
  w.Key("days").BeginArray();
  for (int64_t n : days) w.Int(n);
  w.EndArray();
  w.Key("rows").BeginArray();
  for (const auto& [at, row] : cohorts) {
    if (row.installs <= 0) continue;  // every device erased
    w.BeginObject();
    w.Key("install_date").String(FormatDay(at.first));
    w.Key("channel").String(at.second);
    w.Key("installs").Int(row.installs);
    w.Key("retention").BeginArray();
    double cumulative = 0;
    auto cell = row.cells.begin();
    for (int64_t n : days) {
      for (; cell != row.cells.end() && cell->day <= n; ++cell) cumulative += cell->revenue;
      w.BeginObject();
      w.Key("day").Int(n);
      if (at.first + n > today) {  // not observable yet
        w.Key("active").Null();
        w.Key("share").Null();
        w.Key("revenue").Null();
      } else {
        auto exact =
            std::lower_bound(row.cells.begin(), row.cells.end(), n,
                             [](const analytics::CohortCell& c, int64_t d) { return c.day < d; });
        int64_t active = exact != row.cells.end() && exact->day == n ? exact->active : 0;
        w.Key("active").Int(active);
        w.Key("share").Double(static_cast<double>(active) / static_cast<double>(row.installs));
        w.Key("revenue").Double(cumulative);
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return response;
}

}  // namespace

void AddCohortRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/v1/apps/{app_id}/cohorts", "cohorts",
              AdminOnly(
                  &context->admin_token,
                  [context](HttpRequest& request) { return CohortReport(*context, request); },
                  context->reports));
}

}  // namespace unmogrowp::api
