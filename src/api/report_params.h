#pragma once

// Query parameters of the report endpoints (API.md, "Reports"): decoding of
// the query string, the from/to date range with its defaults, and group_by.
// A bad value is InvalidArgument naming the parameter in `field`.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace unmogrowp::api {

// Decoded name -> value pairs (percent-escapes and '+' decoded; the first of
// repeated names wins). InvalidArgument on a malformed escape.
Result<std::map<std::string, std::string>> ParseQuery(std::string_view query);

// An inclusive range of UTC days (days since 1970-01-01).
struct DayRange {
  int64_t from_day = 0;
  int64_t to_day = 0;
};

// from/to as YYYY-MM-DD. Defaults: the 30 days ending `today_day`; only
// `from`: to is today; only `to`: from is 29 days before it. `from` after
// `to` is an error naming "from".
Result<DayRange> ParseDayRange(const std::map<std::string, std::string>& params, int64_t today_day);

enum class GroupBy { kSource, kCampaign };
// group_by: "source" (default) or "campaign".
Result<GroupBy> ParseGroupBy(const std::map<std::string, std::string>& params);

// The error for a bad report parameter `name`: InvalidArgument with code
// invalid_value and field `name`.
Status BadParam(std::string name, std::string message);

// "YYYY-MM-DD" of a day number.
std::string FormatDay(int64_t day);

}  // namespace unmogrowp::api
