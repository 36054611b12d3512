#include "api/errors.h"

namespace unmogrowp::api {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return status.reason() == "too_many_events" || status.reason() == "payload_too_large" ? 413
                                                                                            : 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

http::HttpResponse ErrorResponse(const Status& status) {
  http::HttpResponse response = http::HttpResponse::Error(HttpStatusFor(status), status.reason(),
                                                          status.message(), status.field());
  if (status.code() == StatusCode::kResourceExhausted) {
    response.headers.emplace_back("Retry-After", "1");
  } else if (status.code() == StatusCode::kUnavailable) {
    response.headers.emplace_back("Retry-After", "30");
  }
  return response;
}

}  // namespace unmogrowp::api
