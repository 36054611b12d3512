#include "http/router.h"

#include <cassert>

#include "core/ascii.h"

namespace unmogrowp::http {

namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {}.
template <typename Out>
void SplitPath(std::string_view path, Out* out) {
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out->emplace_back(path.substr(i, j - i));
    i = j;
  }
}

}  // namespace

void Responder::Send(HttpResponse response) {
  assert(send_ && "Responder used twice");
  SendFn send = std::move(send_);
  send_ = nullptr;
  send(std::move(response));
}

void Router::Add(std::string_view method, std::string_view pattern, std::string name,
                 Handler handler) {
  Route route{std::string(method), {}, std::move(name), std::move(handler)};
  std::vector<std::string_view> parts;
  SplitPath(pattern, &parts);
  for (std::string_view p : parts) {
    bool placeholder = p.size() >= 2 && p.front() == '{' && p.back() == '}';
    route.segments.emplace_back(placeholder ? "{}" : std::string(p));
  }
  routes_.push_back(std::move(route));
}

void Router::SetFallback(std::string name, Handler handler) {
  fallback_name_ = std::move(name);
  fallback_ = std::move(handler);
}

RouteMatch Router::Match(HttpRequest* request) const {
  RouteMatch result;
  result.route_name = "unmatched";
  std::vector<std::string_view> parts;
  SplitPath(request->path, &parts);
  for (const Route& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      ok = route.segments[i] == "{}" ? !parts[i].empty() : route.segments[i] == parts[i];
    }
    if (!ok) continue;
    if (route.method != request->method) {
      result.path_matched = true;
      continue;
    }
    request->path_params.clear();
    for (size_t i = 0; i < parts.size(); ++i) {
      if (route.segments[i] != "{}") continue;
      std::string value;
      if (!PercentDecode(parts[i], /*plus_is_space=*/false, &value)) value = parts[i];
      request->path_params.push_back(std::move(value));
    }
    result.handler = &route.handler;
    result.route_name = route.name;
    return result;
  }
  if (!result.path_matched && fallback_) {
    request->path_params.clear();
    result.handler = &fallback_;
    result.route_name = fallback_name_;
  }
  return result;
}

std::vector<std::string> Router::RouteNames() const {
  std::vector<std::string> names;
  for (const Route& r : routes_) names.push_back(r.name);
  if (fallback_) names.push_back(fallback_name_);
  return names;
}

}  // namespace unmogrowp::http
