#pragma once

// Test helpers for the ClickHouse tests: ClickHouseTest gives each test its
// own database with a random name on the shared test server (the ctest
// fixture's, see tests/servers/test_servers.h), dropped when the test ends;
// PrivateClickHouseServer starts a server of the test's own (for tests that
// pause it). For tests only; not thread-safe.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "clickhouse/clickhouse_client.h"
#include "clickhouse/clickhouse_url.h"
#include "core/ids.h"
#include "core/scoped_temp_dir_for_test.h"
#include "servers/test_servers.h"

namespace unmogrowp {

#define UM_ASSERT_OK(expr)                                           \
  do {                                                               \
    const ::unmogrowp::Status um_test_status_ = (expr);              \
    ASSERT_TRUE(um_test_status_.ok()) << um_test_status_.ToString(); \
  } while (0)

inline ClickHouseCall NoDatabase() {
  ClickHouseCall call;
  call.database = "";
  return call;
}

class ClickHouseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = testing::TestServerUrl("clickhouse");
    ASSERT_FALSE(url.empty()) << "no ClickHouse test server";
    auto options = ParseClickHouseUrl(url);
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    database_ = "t_" + RandomHexToken(8);
    options->database = database_;
    options_ = *options;
    client_ = std::make_unique<ClickHouseClient>(options_);
    UM_ASSERT_OK(client_->Execute("CREATE DATABASE " + database_, NoDatabase()));
  }

  void TearDown() override {
    if (client_ != nullptr) {
      Status dropped = client_->Execute("DROP DATABASE IF EXISTS " + database_, NoDatabase());
      EXPECT_TRUE(dropped.ok()) << dropped.ToString();
    }
  }

  // The answer of a one-value TabSeparated query, without its newline.
  std::string Scalar(std::string_view sql) {
    auto answer = client_->Query(sql);
    EXPECT_TRUE(answer.ok()) << answer.status().ToString();
    if (!answer.ok()) return "<error>";
    std::string text = *answer;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  std::string database_;
  ClickHouseOptions options_;
  std::unique_ptr<ClickHouseClient> client_;
};

// A ClickHouse server of one test, started with tests/servers/clickhouse.sh
// in a temp dir and stopped (data removed) when the object dies.
class PrivateClickHouseServer {
 public:
  PrivateClickHouseServer() {
    started_ = Script("start") == 0;
    EXPECT_TRUE(started_) << "clickhouse.sh start " << dir_.path() << " failed";
  }
  ~PrivateClickHouseServer() {
    if (started_) {
      Script("resume");
      Script("stop");
    }
  }
  PrivateClickHouseServer(const PrivateClickHouseServer&) = delete;
  PrivateClickHouseServer& operator=(const PrivateClickHouseServer&) = delete;

  bool started() const { return started_; }
  std::string Url() const {
    std::ifstream in(dir_.path() + "/clickhouse/url");
    std::string url;
    std::getline(in, url);
    return url;
  }
  // SIGSTOP / SIGCONT: an outage that keeps the data and the ports.
  bool Pause() { return Script("pause") == 0; }
  bool Resume() { return Script("resume") == 0; }

 private:
  int Script(std::string_view command) const {
    const std::string line = std::string(UNMOGROWP_CLICKHOUSE_SH) + " " + std::string(command) +
                             " " + dir_.path() + "/clickhouse >/dev/null";
    return std::system(line.c_str());
  }

  ScopedTempDir dir_;
  bool started_ = false;
};

}  // namespace unmogrowp
