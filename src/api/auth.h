#pragma once

// Request authentication per API.md "Auth": ingestion uses X-Api-Key (the key
// names the app); everything else uses `Authorization: Bearer <token>`.

#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"
#include "http/router.h"

namespace unmogrowp {
class AppStore;
}

namespace unmogrowp::api {

// The app id named by the request's X-Api-Key, or Unauthenticated.
Result<std::string> AuthenticateApiKey(const http::HttpRequest& request, AppStore& apps);

// OK when the bearer token equals the admin token (constant-time compare).
Status AuthenticateAdmin(const http::HttpRequest& request, std::string_view admin_token);

// Wraps a synchronous handler so it runs only for admin-authenticated
// requests; `inner` returns its response or the Status to turn into an API
// error. `admin_token` must outlive the handler.
http::Handler AdminOnly(const std::string* admin_token,
                        std::function<Result<http::HttpResponse>(http::HttpRequest&)> inner);

class ReportPool;

// As AdminOnly, but `inner` runs on `pool` (after authentication on the
// calling thread). The request stays valid until the response is sent.
http::Handler AdminOnlyOnPool(const std::string* admin_token, ReportPool* pool,
                              std::function<Result<http::HttpResponse>(http::HttpRequest&)> inner);

}  // namespace unmogrowp::api
