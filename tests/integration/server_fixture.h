#pragma once

// ServerTest: a gtest fixture that starts the whole server in-process on port
// 0 with a temp data dir and an app, and calls it over real HTTP.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/service.h"
#include "http/simple_client.h"

namespace unmogrowp {

namespace fs = std::filesystem;
using http::ClientResponse;
using http::SimpleHttpClient;
using Headers = std::vector<std::pair<std::string, std::string>>;

// The string value of the first "key":"..." in `json` (no unescaping).
inline std::string Field(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\":\"";
  size_t p = json.find(needle);
  if (p == std::string::npos) return "";
  p += needle.size();
  return json.substr(p, json.find('"', p) - p);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("unmogrowp-test-" + std::to_string(std::random_device{}()));
    StartServer();
    auto created = Admin("POST", "/v1/apps", R"({"name":"Test App","platform":"ios"})");
    ASSERT_EQ(created.status, 201) << created.body;
    app_id_ = Field(created.body, "id");
    api_key_ = Field(created.body, "api_key");
    ASSERT_FALSE(api_key_.empty()) << created.body;
  }

  void TearDown() override {
    client_.reset();
    service_.reset();
    fs::remove_all(dir_);
  }

  void StartServer() {
    ServiceOptions options;
    options.data_dir = dir_.string();
    options.port = 0;
    options.admin_token = "test-admin-token";
    options.log_segment_bytes = 64 * 1024;
    auto service = Service::Start(options);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(service).value();
    client_ = std::make_unique<SimpleHttpClient>("127.0.0.1", service_->port());
  }

  void RestartServer() {
    client_.reset();
    service_.reset();
    StartServer();
  }

  // Reports reflect everything acknowledged so far.
  void WaitForPipeline() { ASSERT_TRUE(service_->WaitForPipeline(std::chrono::seconds(30))); }

  ClientResponse Call(std::string_view method, std::string_view target, const Headers& headers,
                      std::string_view body = {}) {
    auto r = client_->Request(method, target, headers, body);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : ClientResponse{};
  }
  ClientResponse Admin(std::string_view method, std::string_view target,
                       std::string_view body = {}) {
    return Call(method, target, {{"Authorization", "Bearer test-admin-token"}}, body);
  }
  // An admin GET of `target` is a 400 whose error names `field`.
  void ExpectBadParameter(const std::string& target, std::string_view field) {
    ClientResponse r = Admin("GET", target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_EQ(Field(r.body, "field"), field) << target << ": " << r.body;
  }

  ClientResponse Ingest(std::string_view target, std::string_view body,
                        std::string content_type = "application/json") {
    return Call("POST", target, {{"X-Api-Key", api_key_}, {"Content-Type", content_type}}, body);
  }

  fs::path dir_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<SimpleHttpClient> client_;
  std::string app_id_;
  std::string api_key_;
};

}  // namespace unmogrowp
