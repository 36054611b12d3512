// Streamed (chunked) responses: order, keep-alive, the blocking executor,
// backpressure, errors mid-stream, and release on disconnect and on Stop.

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "http/server.h"
#include "http/simple_client.h"

namespace unmogrowp::http {
namespace {

constexpr auto kGenerous = std::chrono::seconds(20);

// Part `index` of a test stream; every tenth part is empty (the server must
// skip it: an empty chunk would end the body).
std::string PartContent(int index, size_t bytes) {
  if (index % 10 == 9) return {};
  std::string part = fmt::format("part {}\n", index);
  part.resize(bytes, static_cast<char>('a' + index % 26));
  return part;
}

std::string ExpectedBody(int parts, size_t bytes) {
  std::string body;
  for (int i = 0; i < parts; ++i) body += PartContent(i, bytes);
  return body;
}

// What a TestStream saw, shared with the test (the stream itself belongs to
// the server and may be destroyed on any thread).
struct StreamProbe {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  bool destroyed = false;
  bool overlapped = false;
  bool called_after_destruction = false;
  std::set<std::thread::id> threads;
  int block_at_call = 0;  // when > 0, that call waits for `released`
  bool blocked = false;
  bool released = false;

  int Calls() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }

  // Waits (generously, never expected to time out) until `pred` holds.
  template <typename Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kGenerous, pred);
  }
};

class TestStream final : public BodyStream {
 public:
  // `parts` < 0: never ends. `fail_at` >= 0: that call returns an error.
  TestStream(std::shared_ptr<StreamProbe> probe, int parts, size_t part_bytes, int fail_at = -1)
      : probe_(std::move(probe)), parts_(parts), part_bytes_(part_bytes), fail_at_(fail_at) {}

  ~TestStream() override {
    std::lock_guard<std::mutex> lock(probe_->mu);
    probe_->destroyed = true;
    probe_->cv.notify_all();
  }

  Result<bool> Next(std::string* chunk) override {
    if (in_next_.exchange(true)) {
      std::lock_guard<std::mutex> lock(probe_->mu);
      probe_->overlapped = true;
    }
    {
      std::unique_lock<std::mutex> lock(probe_->mu);
      if (probe_->destroyed) probe_->called_after_destruction = true;
      if (!chunk->empty()) probe_->overlapped = true;  // the server must pass it empty
      ++probe_->calls;
      probe_->threads.insert(std::this_thread::get_id());
      if (probe_->calls == probe_->block_at_call) {
        probe_->blocked = true;
        probe_->cv.notify_all();
        probe_->cv.wait(lock, [this] { return probe_->released; });
      }
      probe_->cv.notify_all();
    }
    int index = next_index_++;
    in_next_ = false;
    if (index == fail_at_) return Status::IOError("segment 7 is unreadable");
    chunk->append(PartContent(index, part_bytes_));
    return parts_ < 0 || next_index_ < parts_;
  }

 private:
  std::shared_ptr<StreamProbe> probe_;
  int parts_;
  size_t part_bytes_;
  int fail_at_;
  int next_index_ = 0;
  std::atomic<bool> in_next_{false};
};

// A test-owned blocking executor: a few worker threads over one queue.
class TestExecutor {
 public:
  explicit TestExecutor(int threads) {
    for (int i = 0; i < threads; ++i) {
      workers_.emplace_back([this] { Work(); });
      ids_.insert(workers_.back().get_id());
    }
  }
  ~TestExecutor() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  void Run(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  const std::set<std::thread::id>& ids() const { return ids_; }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // drop what the task holds before waiting again
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::set<std::thread::id> ids_;
};

// A raw client socket, for reading a response byte by byte or not at all.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    // A server that never answers fails the test instead of hanging it.
    timeval timeout{static_cast<time_t>(kGenerous.count()), 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { Close(); }

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until the server closes the connection; false on a timeout or error.
  bool ReadUntilClosed(std::string* out) {
    char buf[65536];
    while (true) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) return true;
      if (n < 0) return false;
      out->append(buf, static_cast<size_t>(n));
    }
  }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Splits a raw chunked response into its header block and decoded body;
// returns whether the terminating zero-length chunk was seen.
bool DecodeChunked(std::string_view raw, std::string* head, std::string* body) {
  size_t header_end = raw.find("\r\n\r\n");
  if (header_end == std::string_view::npos) return false;
  *head = std::string(raw.substr(0, header_end + 2));
  raw.remove_prefix(header_end + 4);
  while (true) {
    size_t line_end = raw.find("\r\n");
    if (line_end == std::string_view::npos) return false;
    size_t size = std::strtoull(std::string(raw.substr(0, line_end)).c_str(), nullptr, 16);
    raw.remove_prefix(line_end + 2);
    if (raw.size() < size + 2) return false;
    if (size == 0) return raw.substr(0, 2) == "\r\n";
    body->append(raw.substr(0, size));
    raw.remove_prefix(size + 2);
  }
}

class StreamTest : public ::testing::Test {
 protected:
  // `executor_threads` > 0 runs Next on a test-owned executor.
  void StartServer(int executor_threads) {
    router_.Add("GET", "/export", "export", [this](HttpRequest&, Responder respond) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        io_threads_.insert(std::this_thread::get_id());
      }
      HttpResponse r;
      r.content_type = "application/x-ndjson";
      r.headers.emplace_back("X-Export", "raw");
      r.stream = make_stream_();
      respond.Send(std::move(r));
    });
    router_.Add("GET", "/ping", "ping", [](HttpRequest&, Responder respond) {
      respond.Send(HttpResponse::Json(200, "{\"pong\":true}"));
    });
    ServerOptions options;
    options.port = 0;
    options.metrics = &registry_;
    if (executor_threads > 0) {
      executor_ = std::make_unique<TestExecutor>(executor_threads);
      options.blocking_executor = [executor = executor_.get()](std::function<void()> task) {
        executor->Run(std::move(task));
      };
    }
    auto server = HttpServer::Start(options, &router_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
  }

  std::string Metrics() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }

  std::string ExportRequest() const { return "GET /export HTTP/1.1\r\nHost: test\r\n\r\n"; }

  Router router_;
  prometheus::Registry registry_;
  std::function<std::shared_ptr<BodyStream>()> make_stream_;
  std::mutex mu_;
  std::set<std::thread::id> io_threads_;
  std::unique_ptr<TestExecutor> executor_;  // outlives the server
  std::unique_ptr<HttpServer> server_;
};

TEST_F(StreamTest, SendsEveryPartInOrderThenKeepsTheConnection) {
  static constexpr int kParts = 1000;
  static constexpr size_t kBytes = 3000;
  auto probe = std::make_shared<StreamProbe>();
  make_stream_ = [probe] { return std::make_shared<TestStream>(probe, kParts, kBytes); };
  StartServer(0);

  SimpleHttpClient client("127.0.0.1", server_->port());
  auto r = client.Request("GET", "/export");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r->Header("Content-Length"), "");
  EXPECT_EQ(r->Header("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(r->Header("X-Export"), "raw");
  EXPECT_TRUE(r->body == ExpectedBody(kParts, kBytes)) << "body of " << r->body.size() << " bytes";
  EXPECT_TRUE(probe->WaitFor([&] { return probe->destroyed; }));
  EXPECT_EQ(probe->Calls(), kParts);

  auto ping = client.Request("GET", "/ping");
  ASSERT_TRUE(ping.ok()) << ping.status().ToString();
  EXPECT_EQ(ping->body, "{\"pong\":true}");
  EXPECT_EQ(client.connections(), 1);

  std::string text = Metrics();
  EXPECT_NE(text.find("unmogrowp_http_requests_total{route=\"export\",status=\"200\"} 1"),
            std::string::npos)
      << text;
}

TEST_F(StreamTest, CallsNextOnTheBlockingExecutorOneCallAtATime) {
  static constexpr int kParts = 300;
  static constexpr size_t kBytes = 2000;
  std::mutex probes_mu;
  std::vector<std::shared_ptr<StreamProbe>> probes;
  make_stream_ = [&] {
    auto probe = std::make_shared<StreamProbe>();
    std::lock_guard<std::mutex> lock(probes_mu);
    probes.push_back(probe);
    return std::make_shared<TestStream>(probe, kParts, kBytes);
  };
  StartServer(2);

  // Two connections stream at once, sharing the executor's two threads.
  std::vector<std::string> bodies(2);
  std::vector<std::thread> clients;
  clients.reserve(2);
  for (int c = 0; c < 2; ++c) {
    clients.emplace_back([this, c, &bodies] {
      SimpleHttpClient client("127.0.0.1", server_->port());
      auto r = client.Request("GET", "/export");
      if (r.ok()) bodies[c] = std::move(r->body);
    });
  }
  for (std::thread& t : clients) t.join();
  std::string expected = ExpectedBody(kParts, kBytes);
  for (const std::string& body : bodies) EXPECT_TRUE(body == expected);

  ASSERT_EQ(probes.size(), 2u);
  for (const auto& probe : probes) {
    EXPECT_TRUE(probe->WaitFor([&] { return probe->destroyed; }));
    std::lock_guard<std::mutex> lock(probe->mu);
    EXPECT_EQ(probe->calls, kParts);
    EXPECT_FALSE(probe->overlapped);
    EXPECT_FALSE(probe->called_after_destruction);
    for (std::thread::id id : probe->threads) {
      EXPECT_EQ(executor_->ids().count(id), 1u);
      std::lock_guard<std::mutex> io_lock(mu_);
      EXPECT_EQ(io_threads_.count(id), 0u);
    }
  }
}

TEST_F(StreamTest, ClientThatStopsReadingStopsTheStream) {
  static constexpr size_t kBytes = size_t{64} * 1024;
  // Socket buffers hold a few MB at most: far fewer than this many 64 KiB parts.
  static constexpr int kBound = 200;
  auto probe = std::make_shared<StreamProbe>();
  make_stream_ = [probe] { return std::make_shared<TestStream>(probe, -1, kBytes); };
  StartServer(1);

  auto client = std::make_unique<RawConnection>(server_->port());
  ASSERT_TRUE(client->connected());
  ASSERT_TRUE(client->Send(ExportRequest()));
  // The stream makes progress, then stalls on the full socket buffers. Without
  // backpressure it would race past the bound at once (a failure shows
  // quickly); with it the wait runs its full course.
  EXPECT_TRUE(probe->WaitFor([&] { return probe->calls >= 3; }));
  {
    std::unique_lock<std::mutex> lock(probe->mu);
    EXPECT_FALSE(
        probe->cv.wait_for(lock, std::chrono::seconds(1), [&] { return probe->calls > kBound; }))
        << probe->calls << " Next calls for a client that reads nothing";
  }

  client.reset();  // unread data: the server's pending write fails
  EXPECT_TRUE(probe->WaitFor([&] { return probe->destroyed; }));
  std::lock_guard<std::mutex> lock(probe->mu);
  EXPECT_LE(probe->calls, kBound);
  EXPECT_FALSE(probe->called_after_destruction);
  EXPECT_FALSE(probe->overlapped);
}

TEST_F(StreamTest, ErrorMidStreamClosesWithoutTheLastChunk) {
  static constexpr size_t kBytes = 500;
  auto probe = std::make_shared<StreamProbe>();
  make_stream_ = [probe] {
    return std::make_shared<TestStream>(probe, 100, kBytes, /*fail_at=*/2);
  };
  StartServer(0);

  RawConnection client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(ExportRequest()));
  std::string raw;
  ASSERT_TRUE(client.ReadUntilClosed(&raw));
  std::string head;
  std::string body;
  EXPECT_FALSE(DecodeChunked(raw, &head, &body)) << "the truncated body must not look complete";
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_EQ(body, PartContent(0, kBytes) + PartContent(1, kBytes));
  EXPECT_TRUE(probe->WaitFor([&] { return probe->destroyed; }));
  EXPECT_EQ(probe->Calls(), 3);

  // The simple client reports the cut-off transfer as an error, too.
  SimpleHttpClient simple("127.0.0.1", server_->port());
  EXPECT_FALSE(simple.Request("GET", "/export").ok());

  std::string text = Metrics();
  EXPECT_NE(text.find("unmogrowp_http_requests_total{route=\"export\",status=\"200\"} 2"),
            std::string::npos)
      << text;
}

TEST_F(StreamTest, StopReleasesAStreamInProgress) {
  auto probe = std::make_shared<StreamProbe>();
  make_stream_ = [probe] { return std::make_shared<TestStream>(probe, -1, size_t{64} * 1024); };
  StartServer(0);

  RawConnection client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(ExportRequest()));
  EXPECT_TRUE(probe->WaitFor([&] { return probe->calls >= 3; }));
  server_->Stop();
  std::lock_guard<std::mutex> lock(probe->mu);
  EXPECT_TRUE(probe->destroyed);
}

TEST_F(StreamTest, StopDoesNotWaitForANextCallOnTheExecutor) {
  auto probe = std::make_shared<StreamProbe>();
  probe->block_at_call = 3;
  make_stream_ = [probe] { return std::make_shared<TestStream>(probe, -1, 1000); };
  StartServer(1);

  RawConnection client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(ExportRequest()));
  ASSERT_TRUE(probe->WaitFor([&] { return probe->blocked; }));
  server_->Stop();  // returns although Next is still running
  {
    std::lock_guard<std::mutex> lock(probe->mu);
    EXPECT_FALSE(probe->destroyed);  // the running call still holds it
    probe->released = true;
    probe->cv.notify_all();
  }
  EXPECT_TRUE(probe->WaitFor([&] { return probe->destroyed; }));
  std::lock_guard<std::mutex> lock(probe->mu);
  EXPECT_EQ(probe->calls, 3);  // the result was dropped: no further call
}

}  // namespace
}  // namespace unmogrowp::http
