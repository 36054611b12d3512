#pragma once

// ClickHouseOptions: where a ClickHouse server's HTTP interface is and how
// to talk to it, parsed from a URL given on the command line or in config:
//
//   clickhouse://[user[:password]@]host[:port][/database][?user=..&password=..&database=..
//       &connect_timeout_ms=..&request_timeout_ms=..]
//   http://...  https://...  (the same shape; the scheme is kept for the requests)
//
// The port is the HTTP port (clickhouse:// defaults to 8123, http:// to 80,
// https:// to 443). The database defaults to `unmogrowp`. Query values are
// percent-decoded; any other parameter is an error, so a typo is not
// silently ignored. A plain value type: copy it freely.

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace unmogrowp {

inline constexpr std::string_view kDefaultClickHouseDatabase = "unmogrowp";

struct ClickHouseOptions {
  // Scheme and authority the requests go to, e.g. "http://127.0.0.1:8123".
  std::string endpoint;
  // "host:port", for error messages.
  std::string server;
  // Sent as the `database` setting of every call unless the call overrides it.
  std::string database{kDefaultClickHouseDatabase};
  // Empty: the server's `default` user. Sent with HTTP basic auth.
  std::string user;
  std::string password;
  // A server that does not accept the TCP connection within this is Unavailable.
  std::chrono::milliseconds connect_timeout{2000};
  // The whole request, upload and answer included. Long enough for a big
  // insert or report query; an insert that outlives it has an unknown outcome.
  std::chrono::milliseconds request_timeout{60000};
};

// InvalidArgument (field "clickhouse_url") naming what is wrong.
Result<ClickHouseOptions> ParseClickHouseUrl(std::string_view url);

// True for names we put into SQL unquoted: [A-Za-z_][A-Za-z0-9_]*, at most 128 chars.
bool IsClickHouseIdentifier(std::string_view name);

}  // namespace unmogrowp
