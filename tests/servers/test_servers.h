#pragma once

// TestServerUrl: where the real server a test needs is listening -- started
// by ctest's fixture (tests/servers/CMakeLists.txt) or by hand with
// tests/servers/<name>.sh start <dir>. Set UNMOGROWP_TEST_SERVERS_DIR to use
// servers started elsewhere.
//
// There is no skipping: a test run without its server fails, saying how to
// start one.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace unmogrowp::testing {

// The URL in <servers dir>/<name>/url, e.g. "postgresql://postgres@127.0.0.1:5433/postgres"
// or "http://127.0.0.1:8123"; "" (with a message on stderr) when the server was not started.
inline std::string TestServerUrl(std::string_view name) {
  const char* env = std::getenv("UNMOGROWP_TEST_SERVERS_DIR");
  std::string dir = env != nullptr && *env != '\0' ? env : UNMOGROWP_TEST_SERVERS_DIR;
  std::string path = dir + "/" + std::string(name) + "/url";
  std::ifstream in(path);
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    std::fprintf(stderr,
                 "no %.*s server: %s is missing. Run this test through ctest (its fixture "
                 "server_%.*s_start starts one) or start one with tests/servers/%.*s.sh start "
                 "%s/%.*s\n",
                 static_cast<int>(name.size()), name.data(), path.c_str(),
                 static_cast<int>(name.size()), name.data(), static_cast<int>(name.size()),
                 name.data(), dir.c_str(), static_cast<int>(name.size()), name.data());
    return "";
  }
  return url;
}

}  // namespace unmogrowp::testing
