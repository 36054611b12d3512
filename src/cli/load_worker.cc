#include "cli/load_worker.h"

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <vector>

#include "cli/http_response_parser.h"

namespace unmogrowp {

namespace {

constexpr int64_t kTickNs = 100'000'000;
constexpr size_t kReadBufferBytes = 16 * 1024;
constexpr size_t kMaxResponseBytes = 64 * 1024 * 1024;
constexpr int kMaxEvents = 256;
// A connection that fails this many times in a row without an answer in
// between gives up (the server is gone).
constexpr int kMaxConsecutiveFailures = 20;

}  // namespace

int64_t LoadNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool LoadPlan::Claim(LoadRequest* request) {
  const size_t lines = input->size();
  const uint64_t per_pass = (lines + batch_size - 1) / batch_size;
  const uint64_t r = next_request.fetch_add(1, std::memory_order_relaxed);
  if (!repeat && r >= per_pass) return false;
  const uint64_t pass = r / per_pass;
  request->index = r;
  request->first_line = static_cast<size_t>(r % per_pass) * batch_size;
  request->count = std::min(batch_size, lines - request->first_line);
  request->events_before = pass * lines + request->first_line;
  if (max_events > 0) {
    if (request->events_before >= max_events) return false;
    request->count = static_cast<size_t>(
        std::min<uint64_t>(request->count, max_events - request->events_before));
  }
  return true;
}

void LoadCounters::AddTo(LoadReport* r) const {
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  r->requests_sent += get(requests_sent);
  r->responses += get(responses);
  r->events_sent += get(events_sent);
  r->acknowledged += get(acknowledged);
  r->rejected += get(rejected);
  r->http_2xx += get(http_2xx);
  r->http_4xx += get(http_4xx);
  r->retried += get(retried);
  r->http_other += get(http_other);
  r->connection_errors += get(connection_errors);
  r->connections_opened += get(connections_opened);
}

// The event loop and its connections; everything runs on the worker's
// thread.
struct LoadWorker::Impl {
  // One keep-alive connection with at most one request in flight.
  struct Connection {
    enum class State { kConnecting, kWriting, kReading, kWaiting, kDone };
    // What a waiting connection does when its time comes.
    enum class Then { kConnect, kSend, kRetry };

    size_t index = 0;
    int fd = -1;
    uint32_t generation = 0;  // tells a closed socket's late events from the new one's
    State state = State::kWaiting;
    Then then = Then::kConnect;
    int64_t wake_ns = 0;
    bool has_request = false;
    bool awaiting = false;  // sent (at least partly), answer not yet read
    bool readable = false;  // an EPOLLIN edge came while still writing
    LoadRequest request;
    int64_t origin_ns = 0;  // latency is measured from here
    int64_t sent_ns = 0;
    int failures = 0;  // consecutive, reset by an answer
    std::string head;
    std::string_view body;
    size_t written = 0;
    std::vector<char> buffer = std::vector<char>(kReadBufferBytes);
    size_t used = 0;
  };

  Impl(LoadWorker* owner, LoadPlan* plan, int connections)
      : owner(owner), plan(plan), counters(&owner->counters_), conns(connections) {
    for (size_t i = 0; i < conns.size(); ++i) conns[i].index = i;
  }

  static void Add(std::atomic<uint64_t>& counter, uint64_t n) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  void Run() {
    epfd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
      SetStatus(Status::IOError(std::string("epoll_create1: ") + std::strerror(errno)));
      return;
    }
    active = conns.size();
    for (Connection& c : conns) Open(c);
    int64_t next_tick = LoadNowNs() + kTickNs;
    epoll_event events[kMaxEvents];
    while (active > 0) {
      int64_t now = LoadNowNs();
      if (!stopping && (plan->stop.load(std::memory_order_relaxed) ||
                        (plan->deadline_ns > 0 && now >= plan->deadline_ns))) {
        Stop();
        break;
      }
      int64_t earliest = next_tick;
      if (plan->deadline_ns > 0) earliest = std::min(earliest, plan->deadline_ns);
      for (Connection& c : conns) {
        if (c.state == Connection::State::kWaiting && c.wake_ns <= now) Wake(c, now);
        if (c.awaiting && now - c.sent_ns > plan->request_timeout_ns) OnConnectionError(c);
        if (c.state == Connection::State::kWaiting) earliest = std::min(earliest, c.wake_ns);
      }
      if (active == 0) break;
      const int64_t wait_ns = std::max<int64_t>(0, earliest - now);
      timespec timeout{static_cast<time_t>(wait_ns / 1'000'000'000),
                       static_cast<long>(wait_ns % 1'000'000'000)};
      int n = ::epoll_pwait2(epfd, events, kMaxEvents, &timeout, nullptr);
      if (n < 0 && errno == ENOSYS) {  // kernels before 5.11
        n = ::epoll_wait(epfd, events, kMaxEvents,
                         static_cast<int>((wait_ns + 999'999) / 1'000'000));
      }
      if (n < 0 && errno != EINTR) {
        SetStatus(Status::IOError(std::string("epoll_wait: ") + std::strerror(errno)));
        Stop();
        break;
      }
      for (int i = 0; i < n; ++i) {
        const uint64_t tag = events[i].data.u64;
        Connection& c = conns[tag >> 32];
        if (static_cast<uint32_t>(tag) != c.generation || c.fd < 0) continue;
        OnEvent(c, events[i].events);
      }
      FlushAcks();
      now = LoadNowNs();
      if (now >= next_tick) {
        Publish();
        next_tick = now + kTickNs;
      }
    }
    ::close(epfd);
    FlushAcks();
    Publish();
  }

  void Open(Connection& c) {
    if (stopping) return Finish(c);
    CloseSocket(c);
    c.used = 0;
    bool connected = false;
    Result<int> fd = StartConnect(plan->server, &connected);
    if (!fd.ok()) return OnConnectionError(c);
    c.fd = *fd;
    ++c.generation;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = (static_cast<uint64_t>(c.index) << 32) | c.generation;
    if (::epoll_ctl(epfd, EPOLL_CTL_ADD, c.fd, &ev) != 0) return OnConnectionError(c);
    if (connected) return Connected(c);
    c.state = Connection::State::kConnecting;
  }

  void Connected(Connection& c) {
    Add(counters->connections_opened, 1);
    if (c.has_request) return Send(c);
    Next(c);
  }

  // Takes the next request, waiting for its due time when pacing.
  void Next(Connection& c) {
    if (stopping || !plan->Claim(&c.request)) return Finish(c);
    c.has_request = true;
    const int64_t now = LoadNowNs();
    if (plan->rate <= 0) {
      c.origin_ns = now;
      return Send(c);
    }
    c.origin_ns =
        plan->start_ns +
        static_cast<int64_t>(static_cast<double>(c.request.events_before) * 1e9 / plan->rate);
    if (c.origin_ns <= now) return Send(c);
    Wait(c, c.origin_ns, Connection::Then::kSend);
  }

  void Wait(Connection& c, int64_t until_ns, Connection::Then then) {
    c.state = Connection::State::kWaiting;
    c.wake_ns = until_ns;
    c.then = then;
  }

  void Wake(Connection& c, int64_t now) {
    switch (c.then) {
      case Connection::Then::kConnect:
        return Open(c);
      case Connection::Then::kSend:
        return Send(c);
      case Connection::Then::kRetry:
        c.origin_ns = now;
        if (c.fd < 0) return Open(c);
        return Send(c);
    }
  }

  void Send(Connection& c) {
    if (stopping) return Finish(c);
    const LoadRequest& r = c.request;
    c.body = plan->mode == LoadMode::kSingle ? plan->input->line(r.first_line)
                                             : plan->input->lines(r.first_line, r.count);
    c.head.assign(plan->head_prefix);
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), c.body.size());
    c.head.append(digits, end);
    c.head.append("\r\n\r\n");
    c.written = 0;
    c.readable = false;
    c.sent_ns = LoadNowNs();
    c.awaiting = true;
    c.state = Connection::State::kWriting;
    Add(counters->requests_sent, 1);
    Add(counters->events_sent, r.count);
    Write(c);
  }

  // Writes until done or the socket is full (then the next EPOLLOUT edge
  // continues).
  void Write(Connection& c) {
    const size_t total = c.head.size() + c.body.size();
    while (c.written < total) {
      iovec iov[2];
      int count = 0;
      if (c.written < c.head.size()) {
        iov[count++] = {c.head.data() + c.written, c.head.size() - c.written};
        iov[count++] = {const_cast<char*>(c.body.data()), c.body.size()};
      } else {
        size_t offset = c.written - c.head.size();
        iov[count++] = {const_cast<char*>(c.body.data()) + offset, c.body.size() - offset};
      }
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<size_t>(count);
      ssize_t n = ::sendmsg(c.fd, &msg, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return OnConnectionError(c);
      }
      c.written += static_cast<size_t>(n);
    }
    c.state = Connection::State::kReading;
    // Usually the answer's EPOLLIN edge is still to come; if it came during
    // the write (an early answer such as 413), read now.
    if (c.readable) Read(c);
  }

  void OnEvent(Connection& c, uint32_t events) {
    const bool failed = (events & (EPOLLERR | EPOLLHUP)) != 0;
    switch (c.state) {
      case Connection::State::kConnecting:
        if (failed || SocketError(c.fd) != 0) return OnConnectionError(c);
        if (events & EPOLLOUT) return Connected(c);
        return;
      case Connection::State::kWriting:
        if (failed) return OnConnectionError(c);
        if (events & (EPOLLIN | EPOLLRDHUP)) c.readable = true;
        if (events & EPOLLOUT) Write(c);
        return;
      case Connection::State::kReading:
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) Read(c);
        return;
      case Connection::State::kWaiting:
      case Connection::State::kDone:
        return;
    }
  }

  // Reads until the answer is complete or the socket is drained (a short
  // read: with edge triggering, more data brings a new edge).
  void Read(Connection& c) {
    while (true) {
      if (c.used == c.buffer.size()) {
        if (c.used >= kMaxResponseBytes) return OnConnectionError(c);
        c.buffer.resize(c.buffer.size() * 2);
      }
      const size_t space = c.buffer.size() - c.used;
      ssize_t n = ::recv(c.fd, c.buffer.data() + c.used, space, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return OnConnectionError(c);
      }
      if (n == 0) return OnConnectionError(c);  // closed before answering
      c.used += static_cast<size_t>(n);
      HttpResponseHead head;
      const std::string_view data(c.buffer.data(), c.used);
      switch (ParseHttpResponse(data, &head)) {
        case HttpParse::kNeedMore:
          if (static_cast<size_t>(n) < space) return;
          continue;
        case HttpParse::kError:
          // Not an answer we can frame: drop the request, start afresh.
          c.has_request = false;
          return OnConnectionError(c);
        case HttpParse::kDone:
          break;
      }
      const size_t total = head.header_bytes + head.content_length;
      OnResponse(c, head, data.substr(head.header_bytes, head.content_length));
      // One request in flight: nothing should follow. Keep it if it does.
      std::copy(c.buffer.begin() + static_cast<ptrdiff_t>(total),
                c.buffer.begin() + static_cast<ptrdiff_t>(c.used), c.buffer.begin());
      c.used -= total;
      if (c.has_request) return;  // a retry is scheduled
      if (head.close) return Open(c);
      return Next(c);
    }
  }

  void OnResponse(Connection& c, const HttpResponseHead& head, std::string_view body) {
    const int64_t now = LoadNowNs();
    c.awaiting = false;
    c.failures = 0;
    Add(counters->responses, 1);
    latency.Record(static_cast<uint64_t>(std::max<int64_t>(0, now - c.origin_ns)));
    const int status = head.status;
    if (status == 429 || status == 503) {
      Add(counters->retried, 1);
      if (head.close) CloseSocket(c);
      const int64_t delay_s = head.retry_after_s >= 0 ? head.retry_after_s : 1;
      Wait(c, now + delay_s * 1'000'000'000, Connection::Then::kRetry);
      return;  // has_request stays set
    }
    c.has_request = false;
    if (status >= 200 && status < 300) {
      Add(counters->http_2xx, 1);
      Acknowledge(c.request, body);
    } else if (status >= 400 && status < 500) {
      Add(counters->http_4xx, 1);
      Add(counters->rejected, c.request.count);
    } else {
      Add(counters->http_other, 1);
    }
  }

  void Acknowledge(const LoadRequest& r, std::string_view body) {
    const LoadInput& input = *plan->input;
    if (plan->mode == LoadMode::kSingle) {
      Add(counters->acknowledged, 1);
      if (plan->ack_file == nullptr) return;
      std::string_view id = JsonStringField(body, "event_id");
      if (id.empty()) id = input.event_id(r.first_line);
      AppendAck(id);
      return;
    }
    BatchRejectedIndexes(body, &rejected_indexes);
    int64_t accepted = BatchAccepted(body);
    if (accepted < 0) {
      accepted = static_cast<int64_t>(r.count) - static_cast<int64_t>(rejected_indexes.size());
    }
    Add(counters->acknowledged, static_cast<uint64_t>(std::max<int64_t>(0, accepted)));
    Add(counters->rejected, rejected_indexes.size());
    if (plan->ack_file == nullptr) return;
    size_t next_rejected = 0;
    for (size_t i = 0; i < r.count; ++i) {
      while (next_rejected < rejected_indexes.size() && rejected_indexes[next_rejected] < i) {
        ++next_rejected;
      }
      if (next_rejected < rejected_indexes.size() && rejected_indexes[next_rejected] == i) continue;
      AppendAck(input.event_id(r.first_line + i));
    }
  }

  void AppendAck(std::string_view id) {
    if (id.empty()) return;
    ack_buffer.append(id);
    ack_buffer.push_back('\n');
  }

  // Called after each batch of ready events: one write carries the
  // acknowledgements of every answer read in that turn of the loop.
  void FlushAcks() {
    if (ack_buffer.empty() || plan->ack_file == nullptr) return;
    Status s = plan->ack_file->Append(ack_buffer);
    ack_buffer.clear();
    if (!s.ok()) SetStatus(std::move(s));
  }

  void OnConnectionError(Connection& c) {
    if (stopping) return Finish(c);
    Add(counters->connection_errors, 1);
    CloseSocket(c);
    c.awaiting = false;
    if (++c.failures > kMaxConsecutiveFailures) return Finish(c);
    // Back off 10 ms, doubling up to 1 s; then reconnect and resend.
    const int64_t backoff_ms = std::min<int64_t>(1000, int64_t{10} << std::min(c.failures - 1, 7));
    Wait(c, LoadNowNs() + backoff_ms * 1'000'000, Connection::Then::kConnect);
  }

  void CloseSocket(Connection& c) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
  }

  void Finish(Connection& c) {
    if (c.state == Connection::State::kDone) return;
    c.state = Connection::State::kDone;
    c.has_request = false;
    c.awaiting = false;
    CloseSocket(c);
    --active;
  }

  // Abandons whatever is in flight.
  void Stop() {
    stopping = true;
    for (Connection& c : conns) Finish(c);
  }

  void Publish() {
    std::lock_guard<std::mutex> lock(owner->mu_);
    owner->snapshot_ = latency;
  }

  void SetStatus(Status s) {
    std::lock_guard<std::mutex> lock(owner->mu_);
    if (owner->status_.ok()) owner->status_ = std::move(s);
  }

  LoadWorker* owner;
  LoadPlan* plan;
  LoadCounters* counters;
  std::vector<Connection> conns;
  int epfd = -1;
  size_t active = 0;
  bool stopping = false;
  LatencyHistogram latency;
  std::vector<uint32_t> rejected_indexes;
  std::string ack_buffer;
};

LoadWorker::LoadWorker(LoadPlan* plan, int connections)
    : impl_(std::make_unique<Impl>(this, plan, connections)) {}

LoadWorker::~LoadWorker() = default;

void LoadWorker::Run() {
  impl_->Run();
  finished_ns_.store(LoadNowNs());
  struct rusage usage;
  if (::getrusage(RUSAGE_THREAD, &usage) == 0) {
    auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
    cpu_s_.store(seconds(usage.ru_utime) + seconds(usage.ru_stime));
  }
}

LatencyHistogram LoadWorker::LatencySnapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

Status LoadWorker::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

}  // namespace unmogrowp
