#pragma once

// HttpRequest / HttpResponse: the server's plain request and response types.
// They keep Boost.Beast out of every translation unit but http/server.cc, so
// handlers compile fast and know nothing of the transport. BodyStream is a
// response body produced piece by piece (raw event export).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ascii.h"
#include "core/result.h"

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
  // Values of the route's {placeholders}, in order, percent-decoded ("%2F" is
  // '/'; '+' stays '+'); a value with a malformed escape is kept as sent.
  std::vector<std::string> path_params;
  std::string body;

  // Value of the first header named `name` (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

// A response body produced piece by piece and sent with chunked transfer
// encoding, for answers too large to hold in memory (raw event export). The
// server holds at most one part in memory: it asks for the next part only
// once the previous one has been written to the socket, so a slow client slows
// the producer down instead of growing a buffer.
//
// Threading: Next may block (it reads storage); the server runs it on
// ServerOptions::blocking_executor, never concurrently for one stream. The
// stream is released once it ends, fails, its client goes away or the server
// stops; the last reference may be dropped on the executor's thread.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Appends the next part of the body to `*chunk` (which the server passes
  // empty). Returns true while more parts follow, false after the last one
  // (that call may still append a final part). An error after the headers went
  // out cannot change the status any more: the server ends the connection
  // without the terminating zero-length chunk, so the client sees a truncated
  // transfer, and logs it.
  virtual Result<bool> Next(std::string* chunk) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // When set, `body` is ignored and the body is this stream, sent chunked.
  std::shared_ptr<BodyStream> stream;

  static HttpResponse Json(int status, std::string body);
  // API.md's error object: {"error": {"code", "message", "field"?}}; `field`
  // is omitted when empty.
  static HttpResponse Error(int status, std::string_view code, std::string_view message,
                            std::string_view field = {});
};

}  // namespace unmogrowp::http
