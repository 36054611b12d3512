#include "api/report_params.h"

#include <fmt/format.h>

#include "core/ascii.h"
#include "event/timestamp.h"

namespace unmogrowp::api {

namespace {

Result<std::string> Unescape(std::string_view s) {
  std::string out;
  if (!PercentDecode(s, /*plus_is_space=*/true, &out)) {
    return Status::InvalidArgument("query", "malformed percent-escape in the query string",
                                   "invalid_value");
  }
  return out;
}

bool ParseDay(std::string_view s, int64_t* day) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int v[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (int part = 0; part < 3; ++part) {
    for (size_t i = 0; i < lengths[part]; ++i) {
      char c = s[starts[part] + i];
      if (c < '0' || c > '9') return false;
      v[part] = v[part] * 10 + (c - '0');
    }
  }
  auto month = static_cast<unsigned>(v[1]);
  auto day_of_month = static_cast<unsigned>(v[2]);
  if (month < 1 || month > 12 || day_of_month < 1 || day_of_month > DaysInMonth(v[0], month)) {
    return false;
  }
  *day = DaysFromCivil(v[0], month, day_of_month);
  return true;
}

}  // namespace

Status BadParam(std::string name, std::string message) {
  return Status::InvalidArgument(std::move(name), std::move(message), "invalid_value");
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    UM_ASSIGN_OR_RETURN(std::string name, Unescape(pair.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      UM_ASSIGN_OR_RETURN(value, Unescape(pair.substr(eq + 1)));
    }
    params.emplace(std::move(name), std::move(value));
  }
  return params;
}

Result<DayRange> ParseDayRange(const std::map<std::string, std::string>& params,
                               int64_t today_day) {
  auto from = params.find("from");
  auto to = params.find("to");
  DayRange range;
  bool has_from = from != params.end();
  bool has_to = to != params.end();
  if (has_from && !ParseDay(from->second, &range.from_day)) {
    return BadParam("from",
                    fmt::format("from must be a date YYYY-MM-DD, got \"{}\"", from->second));
  }
  if (has_to && !ParseDay(to->second, &range.to_day)) {
    return BadParam("to", fmt::format("to must be a date YYYY-MM-DD, got \"{}\"", to->second));
  }
  if (!has_to) range.to_day = today_day;
  if (!has_from) range.from_day = range.to_day - 29;
  if (range.from_day > range.to_day) {
    return BadParam("from", fmt::format("from ({}) is after to ({})", FormatDay(range.from_day),
                                        FormatDay(range.to_day)));
  }
  return range;
}

Result<GroupBy> ParseGroupBy(const std::map<std::string, std::string>& params) {
  auto it = params.find("group_by");
  if (it == params.end() || it->second == "source") return GroupBy::kSource;
  if (it->second == "campaign") return GroupBy::kCampaign;
  return BadParam("group_by",
                  fmt::format("group_by must be source or campaign, got \"{}\"", it->second));
}

std::string FormatDay(int64_t day) {
  CivilDate d = CivilFromDays(day);
  return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

}  // namespace unmogrowp::api
