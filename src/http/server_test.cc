#include "http/server.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "http/simple_client.h"

namespace unmogrowp::http {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/hello/{name}", "hello", [](HttpRequest& req, Responder respond) {
      respond.Send(HttpResponse::Json(200, "{\"hi\":\"" + std::string(req.path_params[0]) + "\"}"));
    });
    router_.Add("POST", "/echo", "echo", [](HttpRequest& req, Responder respond) {
      HttpResponse r;
      r.status = 201;
      r.content_type = "text/plain";
      r.body = std::string(req.Header("X-Tag")) + ":" + req.body;
      respond.Send(std::move(r));
    });
    // Answers from another thread once the test releases it, like the event log does.
    router_.Add("POST", "/later", "later", [this](HttpRequest& req, Responder respond) {
      std::string body = std::move(req.body);
      std::lock_guard<std::mutex> lock(mu_);
      pending_.emplace(std::move(respond));
      pending_body_ = std::move(body);
      cv_.notify_all();
    });
    ServerOptions options;
    options.port = 0;
    options.max_body_bytes = 1024;
    options.metrics = &registry_;
    auto server = HttpServer::Start(options, &router_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  Router router_;
  prometheus::Registry registry_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Responder> pending_;
  std::string pending_body_;
};

TEST_F(ServerTest, RoutesWithParamsAndKeepAlive) {
  SimpleHttpClient client("127.0.0.1", server_->port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Request("GET", "/hello/ana?x=1");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "{\"hi\":\"ana\"}");
    EXPECT_EQ(r->Header("Content-Type"), "application/json");
  }
}

TEST(ServerLimitsTest, ConnectionsOverTheLimitGet503WithRetryAfter) {
  Router router;
  router.Add("GET", "/ping", "ping",
             [](HttpRequest&, Responder respond) { respond.Send(HttpResponse::Json(200, "{}")); });
  ServerOptions options;
  options.port = 0;
  options.max_connections = 1;
  auto server = HttpServer::Start(options, &router);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  SimpleHttpClient first("127.0.0.1", (*server)->port());
  auto held = first.Request("GET", "/ping");  // keeps its connection open
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  ASSERT_EQ(held->status, 200);
  SimpleHttpClient second("127.0.0.1", (*server)->port());
  auto r = second.Request("GET", "/ping");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("Retry-After"), "1");
  EXPECT_NE(r->body.find("too_many_connections"), std::string::npos) << r->body;
  (*server)->Stop();
}

TEST_F(ServerTest, PostBodyAndHeaders) {
  SimpleHttpClient client("127.0.0.1", server_->port());
  auto r = client.Request("POST", "/echo", {{"X-Tag", "t1"}}, "payload");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "t1:payload");
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowed) {
  SimpleHttpClient client("127.0.0.1", server_->port());
  auto nf = client.Request("GET", "/nope");
  ASSERT_TRUE(nf.ok());
  EXPECT_EQ(nf->status, 404);
  EXPECT_NE(nf->body.find("\"code\":\"not_found\""), std::string::npos);
  auto na = client.Request("DELETE", "/echo");
  ASSERT_TRUE(na.ok());
  EXPECT_EQ(na->status, 405);
}

TEST_F(ServerTest, OversizedBodyIs413) {
  SimpleHttpClient client("127.0.0.1", server_->port());
  auto r = client.Request("POST", "/echo", {}, std::string(4096, 'x'));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("payload_too_large"), std::string::npos);
}

TEST_F(ServerTest, MalformedRequestIs400) {
  SimpleHttpClient client("127.0.0.1", server_->port());
  auto r = client.RawRequest("GARBAGE\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 400);
}

TEST_F(ServerTest, AsynchronousResponseFromAnotherThread) {
  std::thread releaser([this] {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return pending_.has_value(); });
    HttpResponse r = HttpResponse::Json(202, "{\"got\":\"" + pending_body_ + "\"}");
    std::move(*pending_).Send(std::move(r));
  });
  SimpleHttpClient client("127.0.0.1", server_->port());
  auto r = client.Request("POST", "/later", {}, "abc");
  releaser.join();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(r->body, "{\"got\":\"abc\"}");
}

TEST_F(ServerTest, CountsRequestsByRouteAndStatus) {
  SimpleHttpClient client("127.0.0.1", server_->port());
  ASSERT_TRUE(client.Request("GET", "/hello/a").ok());
  ASSERT_TRUE(client.Request("GET", "/hello/b").ok());
  ASSERT_TRUE(client.Request("GET", "/missing").ok());
  std::string text = prometheus::TextSerializer().Serialize(registry_.Collect());
  EXPECT_NE(text.find("unmogrowp_http_requests_total{route=\"hello\",status=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("unmogrowp_http_requests_total{route=\"unmatched\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("unmogrowp_http_request_duration_seconds_count{route=\"hello\"} 2"),
            std::string::npos);
}

}  // namespace
}  // namespace unmogrowp::http
