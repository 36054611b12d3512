#include "cli/load.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace unmogrowp {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct ReceivedRequest {
  std::string head;  // request line and headers
  std::string body;
  int connection = 0;  // which accepted connection carried it
};

// The load generator's peer in these tests: a minimal HTTP/1.1 server on
// 127.0.0.1, port 0, answering each request with what `respond` returns
// (full response bytes) and remembering every request. Runs its own
// io_context thread; one coroutine-free handler chain per connection.
class TestPeer {
 public:
  using Responder = std::function<std::string(const ReceivedRequest&, int request_number)>;

  // `record` = false keeps only a count (for the throughput measurement).
  explicit TestPeer(Responder respond, bool record = true)
      : respond_(std::move(respond)),
        record_(record),
        acceptor_(ctx_, tcp::endpoint(tcp::v4(), 0)) {
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { ctx_.run(); });
  }

  ~TestPeer() {
    ctx_.stop();
    thread_.join();
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  std::vector<ReceivedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  // "HTTP/1.1 202 Accepted" with `body`.
  static std::string Answer(int status, std::string_view body, std::string_view extra = "") {
    std::string reason = status == 202 ? "Accepted" : status == 503 ? "Unavailable" : "Status";
    return "HTTP/1.1 " + std::to_string(status) + " " + reason +
           "\r\nContent-Type: application/json\r\n" + std::string(extra) +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  }

 private:
  struct Conn {
    explicit Conn(asio::io_context& ctx) : socket(ctx) {}
    tcp::socket socket;
    std::string buffer;
    char chunk[65536];
    int id = 0;
    std::string out;
  };

  void Accept() {
    auto conn = std::make_shared<Conn>(ctx_);
    acceptor_.async_accept(conn->socket, [this, conn](const boost::system::error_code& ec) {
      if (ec) return;
      conn->id = ++connections_;
      Read(conn);
      Accept();
    });
  }

  void Read(std::shared_ptr<Conn> conn) {
    conn->socket.async_read_some(asio::buffer(conn->chunk),
                                 [this, conn](const boost::system::error_code& ec, size_t n) {
                                   if (ec) return;
                                   conn->buffer.append(conn->chunk, n);
                                   Serve(conn);
                                 });
  }

  // Answers the buffered request if it is complete, else reads on.
  void Serve(std::shared_ptr<Conn> conn) {
    size_t end = conn->buffer.find("\r\n\r\n");
    if (end == std::string::npos) return Read(conn);
    ReceivedRequest request;
    request.head = conn->buffer.substr(0, end + 2);
    request.connection = conn->id;
    size_t length = 0;
    size_t at = request.head.find("Content-Length: ");
    if (at != std::string::npos) length = std::stoul(request.head.substr(at + 16));
    if (conn->buffer.size() < end + 4 + length) return Read(conn);
    request.body = conn->buffer.substr(end + 4, length);
    conn->buffer.erase(0, end + 4 + length);
    int number = served_++;
    if (record_) {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    conn->out = respond_(request, number);
    const bool close = conn->out.find("Connection: close") != std::string::npos;
    asio::async_write(conn->socket, asio::buffer(conn->out),
                      [this, conn, close](const boost::system::error_code& ec, size_t) {
                        if (ec) return;
                        if (close) {
                          boost::system::error_code ignored;
                          conn->socket.shutdown(tcp::socket::shutdown_both, ignored);
                          return;
                        }
                        Serve(conn);  // a pipelined request may already be buffered
                      });
  }

  Responder respond_;
  bool record_;
  int served_ = 0;  // touched by the peer's thread only
  asio::io_context ctx_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
};

// Lines of the body, as the peer received them.
std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string EventLine(int i) {
  return "{\"event_id\":\"ev-" + std::to_string(i) +
         "\",\"event_type\":\"open\",\"timestamp\":1736290000000,\"device_id\":\"d" +
         std::to_string(i % 7) + "\"}";
}

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("load_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `n` events (with a blank line in the middle) and returns the path.
  std::string WriteInput(int n) {
    std::string path = (dir_ / "events.ndjson").string();
    std::ofstream out(path);
    for (int i = 0; i < n; ++i) {
      out << EventLine(i) << "\n";
      if (i == n / 2) out << "\n";
    }
    return path;
  }

  LoadOptions Options(const TestPeer& peer, int events) {
    LoadOptions o;
    o.url = peer.url();
    o.api_key = "key-123";
    o.input = WriteInput(events);
    o.duration_s = 0;  // each line once; no wall clock involved
    o.connections = 2;
    return o;
  }

  std::vector<std::string> ReadAcks() {
    std::ifstream in(dir_ / "acks.txt");
    std::vector<std::string> ids;
    for (std::string line; std::getline(in, line);) ids.push_back(line);
    return ids;
  }

  std::filesystem::path dir_;
};

size_t CountEvents(const std::string& body) {
  size_t n = 0;
  for (const std::string& line : SplitLines(body)) n += !line.empty();
  return n;
}

std::string Accepted(const ReceivedRequest& r, int) {
  return TestPeer::Answer(
      202, "{\"accepted\":" + std::to_string(CountEvents(r.body)) + ",\"rejected\":[]}");
}

// --path drives another server's bulk endpoint; an answer without "accepted"
// acknowledges the whole batch.
TEST_F(LoadTest, CustomPathAndPlainSuccessAnswer) {
  TestPeer peer([](const ReceivedRequest&, int) { return TestPeer::Answer(200, ""); });
  LoadOptions o = Options(peer, 20);
  o.batch_size = 10;
  o.connections = 1;
  o.path = "/?query=INSERT%20INTO%20events%20FORMAT%20JSONEachRow";
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->acknowledged, 20u);
  std::vector<ReceivedRequest> requests = peer.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].head.substr(0, requests[0].head.find("\r\n")),
            "POST /?query=INSERT%20INTO%20events%20FORMAT%20JSONEachRow HTTP/1.1");
}

TEST_F(LoadTest, BatchRequestsAreFramedAsNdjson) {
  TestPeer peer(Accepted);
  LoadOptions o = Options(peer, 25);
  o.batch_size = 10;
  o.connections = 1;
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->requests_sent, 3u);
  EXPECT_EQ(report->events_sent, 25u);
  EXPECT_EQ(report->acknowledged, 25u);
  EXPECT_EQ(report->http_2xx, 3u);
  EXPECT_EQ(report->errors(), 0u);

  std::vector<ReceivedRequest> requests = peer.requests();
  ASSERT_EQ(requests.size(), 3u);
  std::vector<std::string> lines;
  for (const ReceivedRequest& r : requests) {
    EXPECT_EQ(r.head.substr(0, r.head.find("\r\n")), "POST /v1/events/batch HTTP/1.1");
    EXPECT_NE(r.head.find("\r\nX-Api-Key: key-123\r\n"), std::string::npos) << r.head;
    EXPECT_NE(r.head.find("\r\nContent-Type: application/x-ndjson\r\n"), std::string::npos);
    EXPECT_NE(r.head.find("\r\nHost: 127.0.0.1:" + std::to_string(peer.port()) + "\r\n"),
              std::string::npos);
    for (const std::string& line : SplitLines(r.body)) {
      if (!line.empty()) lines.push_back(line);
    }
  }
  ASSERT_EQ(lines.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(lines[i], EventLine(i));
}

TEST_F(LoadTest, SingleModeReusesOneKeepAliveConnection) {
  TestPeer peer([](const ReceivedRequest&, int n) {
    return TestPeer::Answer(202, "{\"event_id\":\"srv-" + std::to_string(n) + "\"}");
  });
  LoadOptions o = Options(peer, 20);
  o.mode = LoadMode::kSingle;
  o.connections = 1;
  o.ack_file = (dir_ / "acks.txt").string();
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->acknowledged, 20u);
  EXPECT_EQ(report->connections_opened, 1u);
  EXPECT_EQ(peer.connections(), 2);  // RunLoad's reachability probe, then the one connection
  std::vector<ReceivedRequest> requests = peer.requests();
  ASSERT_EQ(requests.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(requests[i].connection, 2);
    EXPECT_EQ(requests[i].head.substr(0, requests[i].head.find("\r\n")),
              "POST /v1/events HTTP/1.1");
    EXPECT_NE(requests[i].head.find("Content-Type: application/json"), std::string::npos);
    EXPECT_EQ(requests[i].body, EventLine(i));
  }
  // Single mode records the id the server answered with.
  std::vector<std::string> acks = ReadAcks();
  ASSERT_EQ(acks.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(acks[i], "srv-" + std::to_string(i));
}

TEST_F(LoadTest, AckFileHoldsTheBatchMinusRejectedIndexes) {
  // Rejects the second event of every batch.
  TestPeer peer([](const ReceivedRequest& r, int) {
    size_t n = CountEvents(r.body);
    return TestPeer::Answer(
        202, "{\"accepted\":" + std::to_string(n - 1) +
                 ",\"rejected\":[{\"index\":1,\"code\":\"invalid_field\",\"message\":\"bad\","
                 "\"field\":\"timestamp\"}]}");
  });
  LoadOptions o = Options(peer, 12);
  o.batch_size = 4;
  o.connections = 1;
  o.ack_file = (dir_ / "acks.txt").string();
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->acknowledged, 9u);
  EXPECT_EQ(report->rejected, 3u);
  std::vector<std::string> want;
  for (int i = 0; i < 12; ++i) {
    if (i % 4 != 1) want.push_back("ev-" + std::to_string(i));
  }
  EXPECT_EQ(ReadAcks(), want);
}

TEST_F(LoadTest, RetriesAfter503WithRetryAfter) {
  TestPeer peer([](const ReceivedRequest& r, int n) {
    if (n < 2) return TestPeer::Answer(503, "{}", "Retry-After: 0\r\n");
    return Accepted(r, n);
  });
  LoadOptions o = Options(peer, 30);
  o.batch_size = 10;
  o.connections = 1;
  o.ack_file = (dir_ / "acks.txt").string();
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->retried, 2u);
  EXPECT_EQ(report->requests_sent, 5u);
  EXPECT_EQ(report->acknowledged, 30u);
  EXPECT_EQ(report->errors(), 0u);
  std::vector<ReceivedRequest> requests = peer.requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_EQ(requests[0].body, requests[1].body);  // the same batch, resent
  EXPECT_EQ(requests[1].body, requests[2].body);
  std::vector<std::string> acks = ReadAcks();
  EXPECT_EQ(acks.size(), 30u);
  EXPECT_EQ(std::set<std::string>(acks.begin(), acks.end()).size(), 30u);
}

TEST_F(LoadTest, MaxEventsStopsALoopingRun) {
  TestPeer peer(Accepted);
  LoadOptions o = Options(peer, 10);
  o.batch_size = 4;
  o.repeat = true;  // would loop forever without the limit (duration is 0)
  o.max_events = 23;
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->events_sent, 23u);
  EXPECT_EQ(report->acknowledged, 23u);
  size_t received = 0;
  for (const ReceivedRequest& r : peer.requests()) {
    for (const std::string& line : SplitLines(r.body)) received += !line.empty();
  }
  EXPECT_EQ(received, 23u);
}

TEST_F(LoadTest, ConnectionCloseAndManyThreadsStillSendEveryLineOnce) {
  TestPeer peer([](const ReceivedRequest& r, int n) {
    std::string answer = Accepted(r, n);
    if (n % 3 == 0) answer.insert(answer.find("\r\n") + 2, "Connection: close\r\n");
    return answer;
  });
  LoadOptions o = Options(peer, 100);
  o.batch_size = 7;
  o.connections = 4;
  o.threads = 2;
  o.rate = 1e9;  // paced, but due at once
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->acknowledged, 100u);
  EXPECT_EQ(report->errors(), 0u);
  EXPECT_GT(report->connections_opened, 4u);
  std::multiset<std::string> lines;
  for (const ReceivedRequest& r : peer.requests()) {
    for (const std::string& line : SplitLines(r.body)) {
      if (!line.empty()) lines.insert(line);
    }
  }
  ASSERT_EQ(lines.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(lines.count(EventLine(i)), 1u) << i;
  EXPECT_GT(report->latency_ms.max, 0);
  EXPECT_LE(report->latency_ms.p50, report->latency_ms.p99);
}

TEST_F(LoadTest, LargeBatchesAreWrittenInPieces) {
  TestPeer peer(Accepted);
  LoadOptions o = Options(peer, 30000);  // ~3 MB of events: more than a socket buffer
  o.batch_size = 10000;
  o.connections = 1;
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->acknowledged, 30000u);
  size_t received = 0;
  for (const ReceivedRequest& r : peer.requests()) received += CountEvents(r.body);
  EXPECT_EQ(received, 30000u);
}

TEST_F(LoadTest, FourXxCountsAsRejected) {
  TestPeer peer([](const ReceivedRequest&, int) {
    return TestPeer::Answer(401, "{\"error\":{\"code\":\"unauthorized\"}}");
  });
  LoadOptions o = Options(peer, 5);
  o.batch_size = 2;
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->acknowledged, 0u);
  EXPECT_EQ(report->rejected, 5u);
  EXPECT_EQ(report->http_4xx, 3u);
}

TEST_F(LoadTest, UnreachableServerIsAnError) {
  uint16_t port;
  {
    asio::io_context ctx;
    tcp::acceptor acceptor(ctx, tcp::endpoint(tcp::v4(), 0));
    port = acceptor.local_endpoint().port();
  }  // closed: nothing listens there now
  LoadOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port);
  o.api_key = "k";
  o.input = WriteInput(3);
  o.duration_s = 0;
  Result<LoadReport> report = RunLoad(o);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
}

TEST_F(LoadTest, RejectsBadOptions) {
  TestPeer peer(Accepted);
  LoadOptions o = Options(peer, 3);
  o.api_key = "";
  EXPECT_EQ(RunLoad(o).status().field(), "api_key");
  o = Options(peer, 3);
  o.url = "https://127.0.0.1:1";
  EXPECT_EQ(RunLoad(o).status().field(), "url");
  o = Options(peer, 3);
  o.input = (dir_ / "missing.ndjson").string();
  EXPECT_EQ(RunLoad(o).status().field(), "input");
  o = Options(peer, 3);
  o.batch_size = 10001;
  EXPECT_EQ(RunLoad(o).status().field(), "batch_size");
  o = Options(peer, 3);
  o.repeat = true;  // with duration 0 and no max_events it would never stop
  EXPECT_EQ(RunLoad(o).status().field(), "repeat");
}

// Not a unit test: how many requests/s the load generator drives against
// the peer above on this machine (both on the same cores). Run with
// --gtest_also_run_disabled_tests --gtest_filter='*MaxRequestRate*'.
TEST_F(LoadTest, DISABLED_MaxRequestRate) {
  const std::string kAnswer = TestPeer::Answer(202, "{\"event_id\":\"x\"}");
  TestPeer peer([&](const ReceivedRequest&, int) { return kAnswer; }, /*record=*/false);
  LoadOptions o = Options(peer, 1000);
  o.mode = LoadMode::kSingle;
  o.connections = 16;
  o.repeat = true;
  o.max_events = 300'000;
  Result<LoadReport> report = RunLoad(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::printf("%s", FormatLoadReport(*report).c_str());
}

TEST(LoadReportTest, JsonHasTheDocumentedFields) {
  LoadReport r;
  r.elapsed_s = 2;
  r.acknowledged = 1000;
  r.responses = 10;
  r.rejected = 3;
  r.connection_errors = 1;
  r.latency_ms.p99 = 1.5;
  std::string json = LoadReportJson(r);
  for (const char* key :
       {"\"events_per_sec\":500", "\"requests_per_sec\":5", "\"acknowledged\":1000",
        "\"rejected\":3", "\"errors\":1",
        "\"latency_ms\":{\"p50\":0,\"p90\":0,\"p99\":1.5,\"p999\":0,\"max\":0}"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
  EXPECT_NE(FormatLoadReport(r).find("acknowledged"), std::string::npos);
}

}  // namespace
}  // namespace unmogrowp
