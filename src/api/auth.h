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

class ReportPool;

// Wraps a handler so it runs only for admin-authenticated requests; `inner`
// returns its response or the Status to turn into an API error. It runs on
// the calling (I/O) thread, or on `pool` when one is given (authentication
// still happens first, on the calling thread); the request stays valid until
// the response is sent. `admin_token` and `pool` must outlive the handler.
http::Handler AdminOnly(const std::string* admin_token,
                        std::function<Result<http::HttpResponse>(http::HttpRequest&)> inner,
                        ReportPool* pool = nullptr);

}  // namespace unmogrowp::api
