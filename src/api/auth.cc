#include "api/auth.h"

#include "api/errors.h"
#include "api/report_pool.h"
#include "meta/admin_token.h"
#include "meta/app_store.h"

namespace unmogrowp::api {

Result<std::string> AuthenticateApiKey(const http::HttpRequest& request, AppStore& apps) {
  std::string_view key = request.Header("X-Api-Key");
  if (key.empty()) return Status::Unauthenticated("missing X-Api-Key header");
  Result<std::string> app_id = apps.AppIdForKey(key);
  // The metadata store being unreachable (PostgreSQL down, for a key this
  // node has not cached) is a 503 to retry, not a wrong key.
  if (!app_id.ok() && app_id.status().code() == StatusCode::kUnavailable) return app_id.status();
  if (!app_id.ok()) return Status::Unauthenticated("unknown API key");
  return app_id;
}

Status AuthenticateAdmin(const http::HttpRequest& request, std::string_view admin_token) {
  std::string_view header = request.Header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || !EqualsIgnoreCase(header.substr(0, 7), kBearer)) {
    return Status::Unauthenticated("missing Authorization: Bearer <token> header");
  }
  if (!TokenEquals(header.substr(kBearer.size()), admin_token)) {
    return Status::Unauthenticated("invalid token");
  }
  return Status::OK();
}

http::Handler AdminOnly(const std::string* admin_token,
                        std::function<Result<http::HttpResponse>(http::HttpRequest&)> inner,
                        ReportPool* pool) {
  using Inner = std::function<Result<http::HttpResponse>(http::HttpRequest&)>;
  auto shared_inner = std::make_shared<const Inner>(std::move(inner));
  return [admin_token, pool, shared_inner](http::HttpRequest& request, http::Responder respond) {
    Status auth = AuthenticateAdmin(request, *admin_token);
    if (!auth.ok()) return respond.Send(ErrorResponse(auth));
    // The connection keeps `request` (and what it points into) until the
    // response is sent; the Responder is move-only, a posted task copyable.
    auto responder = std::make_shared<http::Responder>(std::move(respond));
    auto run = [shared_inner, &request, responder] {
      Result<http::HttpResponse> response = (*shared_inner)(request);
      responder->Send(response.ok() ? std::move(response).value()
                                    : ErrorResponse(response.status()));
    };
    if (pool == nullptr) return run();
    pool->Post(std::move(run));
  };
}

}  // namespace unmogrowp::api
