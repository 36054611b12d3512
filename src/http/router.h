#pragma once

// Router: maps (method, path) to a handler. Patterns are literal segments and
// `{name}` placeholders ("/v1/apps/{id}/rotate-key"); the matched values are
// handed to the handler in HttpRequest::path_params. Each route has a name
// used as the metrics label. An optional fallback answers paths no route
// knows (the web dashboard's files). Built once before the server starts;
// read-only (and so thread-safe) afterwards.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace unmogrowp::http {

// Sends the response for one request; must be used exactly once. May be
// called from any thread (the send is posted to the connection's executor).
class Responder {
 public:
  using SendFn = std::function<void(HttpResponse)>;
  explicit Responder(SendFn send) : send_(std::move(send)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&&) noexcept = default;

  void Send(HttpResponse response);

 private:
  SendFn send_;
};

using Handler = std::function<void(HttpRequest& request, Responder respond)>;

struct RouteMatch {
  const Handler* handler = nullptr;  // null: no route for this path/method
  std::string_view route_name;       // "unmatched" when nothing matched (and no fallback)
  bool path_matched = false;         // true when the path exists for another method (405)
};

class Router {
 public:
  // `name` labels the route in metrics, e.g. "events_batch".
  void Add(std::string_view method, std::string_view pattern, std::string name, Handler handler);

  // Answers requests whose path matches no route. Not used when the path
  // exists for another method: that stays a 405. `name` labels it in metrics.
  void SetFallback(std::string name, Handler handler);

  // Fills request->path_params on a match.
  RouteMatch Match(HttpRequest* request) const;

  // All route names (and the fallback's), for pre-registering metrics.
  std::vector<std::string> RouteNames() const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{}" marks a placeholder
    std::string name;
    Handler handler;
  };
  std::vector<Route> routes_;
  std::string fallback_name_;
  Handler fallback_;  // empty: none
};

}  // namespace unmogrowp::http
