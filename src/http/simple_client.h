#pragma once

// SimpleHttpClient: a small blocking HTTP/1.1 client over one keep-alive TCP
// connection, for tests, health checks and CLI tools -- not for load (see
// `unmogrowp load`). Understands Content-Length and chunked responses.
// Not thread-safe: one client per thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace unmogrowp::http {

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string_view Header(std::string_view name) const;
};

class SimpleHttpClient {
 public:
  SimpleHttpClient(std::string host, uint16_t port);
  ~SimpleHttpClient();
  SimpleHttpClient(const SimpleHttpClient&) = delete;
  SimpleHttpClient& operator=(const SimpleHttpClient&) = delete;

  // Sends one request and reads its response. Reconnects once if the kept-
  // alive connection was closed by the server.
  Result<ClientResponse> Request(
      std::string_view method, std::string_view target,
      const std::vector<std::pair<std::string, std::string>>& headers = {},
      std::string_view body = {});

  // Sends raw bytes and reads one response (for malformed-request tests).
  Result<ClientResponse> RawRequest(std::string_view bytes);

  // TCP connections opened so far (tests check that keep-alive held).
  int connections() const { return connections_; }

 private:
  Status Connect();
  void Disconnect();
  Status SendAll(std::string_view bytes);
  // `head_request`: the response has no body, whatever its Content-Length says.
  Result<ClientResponse> ReadResponse(bool head_request = false);
  // Reads until `buffer_` holds at least `n` bytes past `pos`.
  Status Fill(size_t want);

  std::string host_;
  uint16_t port_;
  int fd_ = -1;
  int connections_ = 0;
  std::string buffer_;
};

}  // namespace unmogrowp::http
