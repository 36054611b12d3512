#pragma once

// HttpServer: HTTP/1.1 keep-alive server (Boost.Beast, kept inside
// server.cc) that parses requests, routes them, and writes the handlers'
// responses, possibly asynchronously (ingest answers only after the event
// log's fdatasync), or streamed chunk by chunk from a BodyStream (raw event
// export). Records per-route request counts by status and latency.
//
// Threading: `threads` threads, each running its own io_context; each
// connection lives on one of them (round robin at accept), so its handlers
// never run concurrently. Handlers run on those threads and must not
// block; Responder::Send may be called from any thread.
//
// Shutdown order: Stop() (no new work, threads joined), then destroy whatever
// may still hold Responders (e.g. the event log), then the server.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/router.h"

namespace prometheus {
class Registry;
}

namespace unmogrowp::http {

struct ServerOptions {
  // Address to bind; loopback by default so a fresh install is not exposed.
  std::string host = "127.0.0.1";
  // 0 picks a free port (tests); see HttpServer::port().
  uint16_t port = 8080;
  // I/O threads. Default: one per core (2 here); more only adds contention.
  int threads = 2;
  // Largest request body accepted; larger ones get 413 without being read.
  // API.md caps batches at 10 MiB.
  size_t max_body_bytes = 10 * 1024 * 1024;
  // Largest header block; larger gets 431.
  size_t max_header_bytes = 16 * 1024;
  // A connection idle this long (no request in progress) is closed.
  int idle_timeout_seconds = 120;
  // Connections above this are answered 503 and closed at once.
  size_t max_connections = 10000;
  // Optional; registers unmogrowp_http_* metrics when set.
  prometheus::Registry* metrics = nullptr;
  // Runs BodyStream::Next calls, which may block, off the I/O threads: the
  // server hands each call to this executor, which must run every task it
  // accepts (or destroy it) and stay callable until Stop() returns. A task
  // that finishes after Stop() drops its result. When empty, Next runs on the
  // connection's I/O thread (fine for tests and tiny streams).
  std::function<void(std::function<void()>)> blocking_executor;
};

class HttpServer {
 public:
  // Binds and starts serving `router` (which must outlive the server).
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options,
                                                   const Router* router);
  virtual ~HttpServer() = default;

  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  // Stops accepting, joins the I/O threads and releases the streams of
  // streamed responses in progress (a Next call still running on the
  // blocking executor is not waited for). Idempotent.
  virtual void Stop() = 0;
  // Blocks until Stop() is called from another thread or a signal handler.
  virtual void Wait() = 0;
};

}  // namespace unmogrowp::http
