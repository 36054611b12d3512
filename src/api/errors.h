#pragma once

// Maps a Status to API.md's error object and a fitting HTTP status:
// {"error": {"code", "message", "field"?}}. Overload and a failed event log
// answer 503 with Retry-After.

#include "core/status.h"
#include "http/message.h"

namespace unmogrowp::api {

int HttpStatusFor(const Status& status);
http::HttpResponse ErrorResponse(const Status& status);

}  // namespace unmogrowp::api
