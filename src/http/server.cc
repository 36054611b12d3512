#include "http/server.h"

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/logging.h"

namespace unmogrowp::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;
// One io_context per I/O thread, and concrete executor types instead of
// any_io_executor: a connection lives on one thread, so it needs no strand,
// and handlers skip type-erased executor copies (both showed in profiles).
using IoExecutor = net::io_context::executor_type;
using Socket = tcp::socket::rebind_executor<IoExecutor>::other;
using Stream = beast::basic_stream<tcp, IoExecutor>;

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Per-route request counters by status and a latency histogram. Counters are
// created on first use of a status and cached in an array, so the hot path is
// one atomic load and one atomic add.
class RouteMetrics {
 public:
  RouteMetrics(std::string route, prometheus::Family<prometheus::Counter>* requests,
               prometheus::Family<prometheus::Histogram>* latency)
      : route_(std::move(route)), requests_(requests) {
    if (latency != nullptr) {
      latency_ =
          &latency->Add({{"route", route_}}, prometheus::Histogram::BucketBoundaries{
                                                 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    }
  }

  void Record(int status, double seconds) {
    if (requests_ == nullptr) return;
    if (status < 100 || status >= static_cast<int>(counters_.size())) status = 599;
    prometheus::Counter* c = counters_[status].load(std::memory_order_acquire);
    if (c == nullptr) {
      std::lock_guard<std::mutex> lock(mu_);
      c = &requests_->Add({{"route", route_}, {"status", std::to_string(status)}});
      counters_[status].store(c, std::memory_order_release);
    }
    c->Increment();
    latency_->Observe(seconds);
  }

 private:
  std::string route_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Histogram* latency_ = nullptr;
  std::mutex mu_;
  std::array<std::atomic<prometheus::Counter*>, 600> counters_{};
};

class ServerImpl;
class Session;

// Sessions with a streamed response in progress, by stream id, shared with
// the Next calls running on the blocking executor (which may outlive the
// server). A finished call hands its result to the session only while the
// stream is still registered, under this mutex; Stop() closes the registry
// under the same mutex before the io_contexts go away, so no result is ever
// posted to a destroyed io_context, and a task never owns a Session.
class StreamRegistry {
 public:
  // Returns the new stream's id, or 0 once the registry is closed.
  uint64_t Add(std::shared_ptr<Session> session) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return 0;
    uint64_t id = next_id_++;
    sessions_.emplace(id, std::move(session));
    return id;
  }

  void Remove(uint64_t id) {
    std::shared_ptr<Session> session;  // released after unlocking
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    session = std::move(it->second);
    sessions_.erase(it);
  }

  bool Contains(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    return sessions_.count(id) != 0;
  }

  // Calls `fn(session)` under the lock if stream `id` is still registered.
  template <typename Fn>
  void WithSession(uint64_t id, Fn&& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(id);
    if (it != sessions_.end()) fn(it->second);
  }

  // Refuses new streams and hands back the sessions still streaming.
  std::vector<std::shared_ptr<Session>> Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    std::vector<std::shared_ptr<Session>> sessions;
    sessions.reserve(sessions_.size());
    for (auto& [id, session] : sessions_) sessions.push_back(std::move(session));
    sessions_.clear();
    return sessions;
  }

 private:
  std::mutex mu_;
  bool closed_ = false;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Session>> sessions_;
};

// A streamed response in progress on a Session (I/O thread only).
struct StreamedResponse {
  std::shared_ptr<BodyStream> body;  // null once finished or aborted
  uint64_t id = 0;                   // in StreamRegistry
  int status = 200;
  bool keep_alive = true;
  bool recorded = false;   // in the route metrics
  bool last_sent = false;  // the terminating chunk is being written
  std::string part;        // the chunk being written; its buffer is reused
  bhttp::response<bhttp::empty_body> header;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer;
};

// One client connection: reads a request, dispatches it, writes the response
// (possibly much later, from the event log's thread via Responder), repeats
// while keep-alive. All I/O runs on the connection's io_context thread.
//
// A streamed response is written as: header, then one chunk per
// BodyStream::Next call, each call made only after the previous chunk was
// written (at most one chunk in memory and in flight), then the last chunk.
// While a stream is in progress the StreamRegistry holds the session, since
// no I/O operation may be pending while Next runs.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, ServerImpl* server);
  ~Session();

  void Start() {
    if (over_limit_)
      return Reject(503, "too_many_connections", "the server has too many open connections");
    ReadHeader();
  }

  // From any thread: delivers the outcome of the Next call for stream `id`.
  void PostPart(uint64_t id, Result<bool> more, std::string part);
  // From Stop(), once the I/O threads are joined: releases the stream.
  void AbandonStream();

 private:
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void Dispatch();
  void Write(HttpResponse response);
  void OnWrite(bool keep_alive, beast::error_code ec);
  void StartStream(HttpResponse response);
  // Gets the next non-empty part (inline or on the blocking executor).
  void PullPart();
  void OnPart(uint64_t id, Result<bool> more, std::string part);
  void WritePart(Result<bool> more);
  void OnStreamWrite(beast::error_code ec);
  void FinishStream();
  // Ends a failed stream: the connection is closed without the last chunk.
  void AbortStream(const std::string& reason, bool log_warning);
  void RecordStream();
  // Answers and closes the connection (after an unreadable request).
  void Reject(int status, std::string_view code, std::string_view message);
  void RejectTooLarge();
  void Close();
  // After an early error response: stop sending, read and discard what the
  // client still sends (so closing does not reset the connection before it
  // reads our answer), then close.
  void DrainAndClose(size_t budget);

  Stream stream_;
  net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>,
                            IoExecutor>
      body_timer_;
  ServerImpl* server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  HttpRequest request_;
  bool keep_alive_ = true;
  bool head_request_ = false;  // the response gets headers only
  bool close_after_write_ = false;
  bool over_limit_ = false;
  int64_t start_ns_ = 0;
  RouteMetrics* route_metrics_ = nullptr;
  std::unique_ptr<StreamedResponse> streamed_;
};

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(const ServerOptions& options, const Router* router)
      : options_(options), router_(router) {
    int n = options_.threads > 0 ? options_.threads : 1;
    for (int i = 0; i < n; ++i) {
      iocs_.push_back(std::make_unique<net::io_context>(1));
      work_guards_.emplace_back(iocs_.back()->get_executor());
    }
    acceptor_.emplace(*iocs_[0]);
  }

  ~ServerImpl() override {
    Stop();
    // Sessions still queued in the io_contexts reach back into this object
    // when destroyed: tear them down while every member is alive.
    acceptor_.reset();
    iocs_.clear();
  }

  Status Listen() {
    beast::error_code ec;
    net::ip::address address = net::ip::make_address(options_.host, ec);
    if (ec) return Status::InvalidArgument("listen", "not an IP address: " + options_.host);
    tcp::endpoint endpoint(address, options_.port);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::IOError(
          fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port, ec.message()));
    }
    port_ = acceptor_->local_endpoint().port();
    SetUpMetrics();
    Accept();
    int n = options_.threads > 0 ? options_.threads : 1;
    threads_.reserve(n);
    for (int i = 0; i < n; ++i) threads_.emplace_back([this, i] { iocs_[i]->run(); });
    return Status::OK();
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    std::unique_lock<std::mutex> lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    lock.unlock();
    net::post(acceptor_->get_executor(), [this] {
      beast::error_code ec;
      acceptor_->close(ec);
    });
    work_guards_.clear();
    for (auto& ioc : iocs_) ioc->stop();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    // No handler runs any more: the sessions' state is safe to touch here.
    for (const std::shared_ptr<Session>& session : streams_->Close()) session->AbandonStream();
    stop_cv_.notify_all();
  }

  void Wait() override {
    std::unique_lock<std::mutex> lock(stop_mu_);
    stop_cv_.wait(lock, [this] { return stopped_; });
  }

  const ServerOptions& options() const { return options_; }
  const Router& router() const { return *router_; }
  const std::shared_ptr<StreamRegistry>& streams() const { return streams_; }

  RouteMetrics* MetricsFor(std::string_view route) {
    auto it = route_metrics_.find(route);
    return it == route_metrics_.end() ? nullptr : it->second.get();
  }

  bool AddConnection() {
    size_t n = connections_.fetch_add(1) + 1;
    if (connections_gauge_ != nullptr) connections_gauge_->Set(static_cast<double>(n));
    return n <= options_.max_connections;
  }
  void RemoveConnection() {
    size_t n = connections_.fetch_sub(1) - 1;
    if (connections_gauge_ != nullptr) connections_gauge_->Set(static_cast<double>(n));
  }

 private:
  void SetUpMetrics() {
    prometheus::Family<prometheus::Counter>* requests = nullptr;
    prometheus::Family<prometheus::Histogram>* latency = nullptr;
    if (options_.metrics != nullptr) {
      requests = &prometheus::BuildCounter()
                      .Name("unmogrowp_http_requests_total")
                      .Help("HTTP requests answered, by route and status code")
                      .Register(*options_.metrics);
      latency = &prometheus::BuildHistogram()
                     .Name("unmogrowp_http_request_duration_seconds")
                     .Help(
                         "Time from a complete request to its response being queued for write "
                         "(for a streamed response: to its end)")
                     .Register(*options_.metrics);
      connections_gauge_ = &prometheus::BuildGauge()
                                .Name("unmogrowp_http_connections")
                                .Help("Open client connections")
                                .Register(*options_.metrics)
                                .Add({});
    }
    std::vector<std::string> names = router_->RouteNames();
    names.emplace_back("unmatched");
    for (const std::string& name : names) {
      if (route_metrics_.count(name) != 0) continue;
      auto m = std::make_unique<RouteMetrics>(name, requests, latency);
      std::string_view key = route_names_.emplace_back(name);
      route_metrics_.emplace(key, std::move(m));
    }
  }

  void Accept() {
    net::io_context& target = *iocs_[next_ioc_++ % iocs_.size()];
    acceptor_->async_accept(target, [this](beast::error_code ec, Socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
        Log("http").warn("accept failed: {}", ec.message());
      } else {
        std::make_shared<Session>(std::move(socket), this)->Start();
      }
      Accept();
    });
  }

  ServerOptions options_;
  const Router* router_;
  std::vector<std::unique_ptr<net::io_context>> iocs_;
  std::vector<net::executor_work_guard<IoExecutor>> work_guards_;
  size_t next_ioc_ = 0;
  std::optional<tcp::acceptor> acceptor_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopped_ = false;
  std::atomic<size_t> connections_{0};
  prometheus::Gauge* connections_gauge_ = nullptr;
  std::deque<std::string> route_names_;  // stable storage for map keys
  std::unordered_map<std::string_view, std::unique_ptr<RouteMetrics>> route_metrics_;
  std::shared_ptr<StreamRegistry> streams_ = std::make_shared<StreamRegistry>();
};

// Calls Next until it yields a non-empty part, the end or an error (or the
// stream is no longer wanted), so empty parts cost no write and no round trip.
template <typename StillWanted>
Result<bool> NextPart(BodyStream& body, std::string* part, const StillWanted& still_wanted) {
  while (true) {
    Result<bool> more = body.Next(part);
    if (!more.ok() || !*more || !part->empty() || !still_wanted()) return more;
  }
}

Session::Session(Socket socket, ServerImpl* server)
    : stream_(std::move(socket)), body_timer_(stream_.get_executor()), server_(server) {
  over_limit_ = !server_->AddConnection();
  beast::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

Session::~Session() { server_->RemoveConnection(); }

void Session::ReadHeader() {
  head_request_ = false;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(server_->options().max_header_bytes));
  parser_->body_limit(server_->options().max_body_bytes);
  stream_.expires_after(std::chrono::seconds(server_->options().idle_timeout_seconds));
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  // Beast checks a Content-Length against the limit while parsing the header,
  // so an oversized body is refused before any of it is read.
  if (ec == bhttp::error::body_limit) return RejectTooLarge();
  if (ec == bhttp::error::header_limit) {
    return Reject(431, "header_too_large", "request headers are too large");
  }
  if (ec) {
    if (ec != bhttp::error::end_of_stream && ec != net::error::eof && ec != beast::error::timeout &&
        ec != net::error::connection_reset && ec != net::error::operation_aborted) {
      return Reject(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    return Close();
  }
  stream_.expires_never();
  auto& req = parser_->get();
  auto expect = req.find(bhttp::field::expect);
  if (expect != req.end() && EqualsIgnoreCase(expect->value(), "100-continue")) {
    auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
    net::async_write(stream_.socket(), net::buffer(*cont),
                     [self = shared_from_this(), cont](beast::error_code wec, size_t) {
                       if (wec) return self->Close();
                       self->ReadBody();
                     });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  if (parser_->is_done()) return Dispatch();
  boost::optional<uint64_t> length = parser_->content_length();
  if (length && *length > 0) {
    // Fast path for a known length (every batch): read the body straight into
    // its final string with one composed read on the socket, instead of
    // Beast's parser loop of small reads, each through the executor and the
    // stream's timer (that loop cost ~4 us per event on 300 KB batches).
    std::string& body = parser_->get().body();
    body.resize(*length);
    size_t buffered = std::min<size_t>(buffer_.size(), *length);
    net::buffer_copy(net::buffer(body.data(), buffered), buffer_.data());
    buffer_.consume(buffered);
    if (buffered == *length) return Dispatch();
    // The raw socket read is outside the stream's timer: a client that stops
    // sending mid-body is cut off by this one timer instead.
    body_timer_.expires_after(std::chrono::seconds(server_->options().idle_timeout_seconds));
    body_timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the body arrived
      if (auto self = weak.lock()) self->Close();
    });
    net::async_read(stream_.socket(), net::buffer(body.data() + buffered, *length - buffered),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->body_timer_.cancel();
                      if (ec) return self->Close();
                      self->Dispatch();
                    });
    return;
  }
  stream_.expires_after(std::chrono::seconds(server_->options().idle_timeout_seconds));
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void Session::OnBody(beast::error_code ec) {
  if (ec == bhttp::error::body_limit) return RejectTooLarge();  // chunked bodies
  if (ec) {
    if (ec == beast::error::timeout || ec == net::error::eof || ec == bhttp::error::end_of_stream ||
        ec == bhttp::error::partial_message) {
      return Close();
    }
    return Reject(400, "bad_request", "malformed HTTP request: " + ec.message());
  }
  stream_.expires_never();
  Dispatch();
}

void Session::Dispatch() {
  start_ns_ = NowNs();
  auto& req = parser_->get();
  keep_alive_ = req.keep_alive();
  head_request_ = req.method() == bhttp::verb::head;

  request_.method = req.method_string();
  request_.target = req.target();
  size_t q = request_.target.find('?');
  request_.path = request_.target.substr(0, q);
  request_.query = q == std::string_view::npos ? std::string_view() : request_.target.substr(q + 1);
  request_.headers.clear();
  for (const auto& field : req) request_.headers.emplace_back(field.name_string(), field.value());
  request_.path_params.clear();
  request_.body = std::move(req.body());

  RouteMatch match = server_->router().Match(&request_);
  route_metrics_ = server_->MetricsFor(match.route_name);
  if (match.handler == nullptr) {
    if (match.path_matched) {
      return Write(HttpResponse::Error(
          405, "method_not_allowed",
          fmt::format("{} is not allowed on {}", request_.method, request_.path)));
    }
    return Write(
        HttpResponse::Error(404, "not_found", fmt::format("no route for {}", request_.path)));
  }
  Responder responder([self = shared_from_this()](HttpResponse response) {
    net::dispatch(self->stream_.get_executor(),
                  [self, r = std::move(response)]() mutable { self->Write(std::move(r)); });
  });
  (*match.handler)(request_, std::move(responder));
}

void Session::Write(HttpResponse r) {
  if (r.stream != nullptr) return StartStream(std::move(r));
  if (route_metrics_ != nullptr) {
    route_metrics_->Record(r.status, static_cast<double>(NowNs() - start_ns_) / 1e9);
  }
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(r.status));
  response_.set(bhttp::field::server, "unmogrowp");
  if (!r.body.empty() || r.status != 204) response_.set(bhttp::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) response_.set(name, value);
  response_.body() = std::move(r.body);
  bool keep_alive = keep_alive_ && !close_after_write_;
  response_.keep_alive(keep_alive);
  response_.prepare_payload();
  // HEAD: the Content-Length of the body a GET would get, and no body.
  if (head_request_) response_.body().clear();
  bhttp::async_write(stream_, response_,
                     [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                       self->OnWrite(keep_alive, ec);
                     });
}

void Session::OnWrite(bool keep_alive, beast::error_code ec) {
  if (ec) return Close();
  if (close_after_write_) return DrainAndClose(64 * 1024 * 1024);
  if (!keep_alive) return Close();
  ReadHeader();
}

void Session::StartStream(HttpResponse r) {
  auto s = std::make_unique<StreamedResponse>();
  s->body = std::move(r.stream);
  s->status = r.status;
  s->keep_alive = keep_alive_ && !close_after_write_;
  s->header.version(11);
  s->header.result(static_cast<unsigned>(r.status));
  s->header.set(bhttp::field::server, "unmogrowp");
  s->header.set(bhttp::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) s->header.set(name, value);
  s->header.chunked(true);
  s->header.keep_alive(s->keep_alive);
  s->serializer.emplace(s->header);
  s->id = server_->streams()->Add(shared_from_this());
  streamed_ = std::move(s);
  if (streamed_->id == 0) return AbortStream("the server is stopping", false);
  stream_.expires_after(std::chrono::seconds(server_->options().idle_timeout_seconds));
  bhttp::async_write_header(
      stream_, *streamed_->serializer,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnStreamWrite(ec); });
}

void Session::PullPart() {
  StreamedResponse& s = *streamed_;
  s.part.clear();
  const auto& executor = server_->options().blocking_executor;
  if (!executor) {
    Result<bool> more = NextPart(*s.body, &s.part, [] { return true; });
    return WritePart(std::move(more));
  }
  executor(
      [streams = server_->streams(), id = s.id, body = s.body, part = std::move(s.part)]() mutable {
        Result<bool> more = NextPart(*body, &part, [&] { return streams->Contains(id); });
        // When the session gave up meanwhile, the stream is destroyed here.
        body.reset();
        streams->WithSession(id, [&](const std::shared_ptr<Session>& session) {
          session->PostPart(id, std::move(more), std::move(part));
        });
      });
}

void Session::PostPart(uint64_t id, Result<bool> more, std::string part) {
  net::post(stream_.get_executor(), [self = shared_from_this(), id, more = std::move(more),
                                     part = std::move(part)]() mutable {
    self->OnPart(id, std::move(more), std::move(part));
  });
}

void Session::OnPart(uint64_t id, Result<bool> more, std::string part) {
  if (streamed_ == nullptr || streamed_->id != id || streamed_->body == nullptr) return;
  streamed_->part = std::move(part);
  WritePart(std::move(more));
}

void Session::WritePart(Result<bool> more) {
  if (!more.ok()) {
    return AbortStream(
        fmt::format("{} failed mid-stream: {}", request_.path, more.status().ToString()), true);
  }
  StreamedResponse& s = *streamed_;
  stream_.expires_after(std::chrono::seconds(server_->options().idle_timeout_seconds));
  auto on_write = [self = shared_from_this()](beast::error_code ec, size_t) {
    self->OnStreamWrite(ec);
  };
  if (*more) return net::async_write(stream_, bhttp::make_chunk(net::buffer(s.part)), on_write);
  // The body is complete: release the stream before the last write.
  s.last_sent = true;
  RecordStream();
  server_->streams()->Remove(s.id);
  s.body.reset();
  if (s.part.empty()) return net::async_write(stream_, bhttp::make_chunk_last(), on_write);
  net::async_write(
      stream_, beast::buffers_cat(bhttp::make_chunk(net::buffer(s.part)), bhttp::make_chunk_last()),
      on_write);
}

void Session::OnStreamWrite(beast::error_code ec) {
  stream_.expires_never();
  if (ec) return AbortStream("write failed: " + ec.message(), false);
  if (streamed_->last_sent) return FinishStream();
  PullPart();
}

void Session::FinishStream() {
  bool keep_alive = streamed_->keep_alive;
  streamed_.reset();
  if (!keep_alive) return Close();
  ReadHeader();
}

void Session::AbortStream(const std::string& reason, bool log_warning) {
  StreamedResponse& s = *streamed_;
  if (log_warning) {
    Log("http").warn("streamed response cut short: {}", reason);
  } else {
    Log("http").debug("streamed response cut short: {}", reason);
  }
  RecordStream();
  server_->streams()->Remove(s.id);
  s.body.reset();
  Close();
}

void Session::AbandonStream() {
  if (streamed_ == nullptr || streamed_->body == nullptr) return;
  RecordStream();
  // A write may still be pending on the stopped io_context: `part` stays.
  streamed_->body.reset();
}

void Session::RecordStream() {
  if (streamed_->recorded) return;
  streamed_->recorded = true;
  if (route_metrics_ != nullptr) {
    route_metrics_->Record(streamed_->status, static_cast<double>(NowNs() - start_ns_) / 1e9);
  }
}

void Session::DrainAndClose(size_t budget) {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec || budget == 0) return Close();
  stream_.expires_after(std::chrono::seconds(5));
  buffer_.consume(buffer_.size());
  auto chunk = buffer_.prepare(64 * 1024);
  stream_.async_read_some(chunk,
                          [self = shared_from_this(), budget](beast::error_code rec, size_t n) {
                            if (rec) return self->Close();
                            self->DrainAndClose(n >= budget ? 0 : budget - n);
                          });
}

void Session::Reject(int status, std::string_view code, std::string_view message) {
  start_ns_ = NowNs();
  route_metrics_ = server_->MetricsFor("unmatched");
  close_after_write_ = true;
  HttpResponse response = HttpResponse::Error(status, code, message);
  // Overload: API.md wants every 503 to say when to come back.
  if (status == 503) response.headers.emplace_back("Retry-After", "1");
  Write(std::move(response));
}

void Session::RejectTooLarge() {
  Reject(
      413, "payload_too_large",
      fmt::format("request body exceeds the limit of {} bytes", server_->options().max_body_bytes));
}

void Session::Close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      const Router* router) {
  auto server = std::make_unique<ServerImpl>(options, router);
  UM_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace unmogrowp::http
