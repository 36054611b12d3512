#include "api/auth.h"

#include "meta/admin_token.h"
#include "meta/app_store.h"

namespace unmogrowp::api {

Result<std::string> AuthenticateApiKey(const http::HttpRequest& request, AppStore& apps) {
  std::string_view key = request.Header("X-Api-Key");
  if (key.empty()) return Status::Unauthenticated("missing X-Api-Key header");
  Result<std::string> app_id = apps.AppIdForKey(key);
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

}  // namespace unmogrowp::api
