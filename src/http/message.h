#pragma once

// HttpRequest / HttpResponse: the server's plain request and response types.
// They keep Boost.Beast out of every translation unit but http/server.cc, so
// handlers compile fast and know nothing of the transport.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ascii.h"

namespace unmogrowp::http {

// One parsed request. The string_views point into storage owned by the
// connection and stay valid until the handler's Responder is used; a handler
// that answers asynchronously copies (or moves out `body`) what it needs first.
struct HttpRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // as sent: path and query
  std::string_view path;    // target without the query
  std::string_view query;   // after '?', undecoded; empty when none
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::vector<std::string_view> path_params;  // values of the route's {placeholders}, in order
  std::string body;

  // Value of the first header named `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static HttpResponse Json(int status, std::string body);
  // API.md's error object: {"error": {"code", "message", "field"?}}; `field`
  // is omitted when empty.
  static HttpResponse Error(int status, std::string_view code, std::string_view message,
                            std::string_view field = {});
};

}  // namespace unmogrowp::http
