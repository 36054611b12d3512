#include "http/simple_client.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http/message.h"

namespace unmogrowp::http {

std::string_view ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

SimpleHttpClient::SimpleHttpClient(std::string host, uint16_t port)
    : host_(std::move(host)), port_(port) {}

SimpleHttpClient::~SimpleHttpClient() { Disconnect(); }

Status SimpleHttpClient::Connect() {
  Disconnect();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  if (inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) {
    return Status::InvalidArgument("host", "not an IPv4 address: " + host_);
  }
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::IOError(fmt::format("socket: {}", std::strerror(errno)));
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    Disconnect();
    return Status::Unavailable(fmt::format("connect {}:{}: {}", host_, port_, std::strerror(err)));
  }
  ++connections_;
  return Status::OK();
}

void SimpleHttpClient::Disconnect() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status SimpleHttpClient::SendAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(fmt::format("send: {}", std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status SimpleHttpClient::Fill(size_t want) {
  char chunk[65536];
  while (buffer_.size() < want) {
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(fmt::format("recv: {}", std::strerror(errno)));
    if (n == 0) return Status::Unavailable("connection closed by the server");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  return Status::OK();
}

Result<ClientResponse> SimpleHttpClient::ReadResponse(bool head_request) {
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    UM_RETURN_IF_ERROR(Fill(buffer_.size() + 1));
  }
  ClientResponse response;
  std::string_view head(buffer_.data(), header_end);
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
    return Status::Corruption("bad status line: " + std::string(status_line));
  }
  response.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
  size_t content_length = 0;
  bool chunked = false;
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string_view::npos) e = head.size();
    std::string_view line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (EqualsIgnoreCase(name, "content-length")) {
        content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      }
      if (EqualsIgnoreCase(name, "transfer-encoding") && value.find("chunked") != value.npos) {
        chunked = true;
      }
      response.headers.emplace_back(std::move(name), std::string(value));
    }
    pos = e + 2;
  }
  buffer_.erase(0, header_end + 4);
  if (head_request) return response;
  if (!chunked) {
    UM_RETURN_IF_ERROR(Fill(content_length));
    response.body = buffer_.substr(0, content_length);
    buffer_.erase(0, content_length);
    return response;
  }
  while (true) {
    size_t e;
    while ((e = buffer_.find("\r\n")) == std::string::npos)
      UM_RETURN_IF_ERROR(Fill(buffer_.size() + 1));
    size_t size = std::strtoull(buffer_.substr(0, e).c_str(), nullptr, 16);
    buffer_.erase(0, e + 2);
    UM_RETURN_IF_ERROR(Fill(size + 2));
    response.body.append(buffer_, 0, size);
    buffer_.erase(0, size + 2);
    if (size == 0) return response;
  }
}

Result<ClientResponse> SimpleHttpClient::RawRequest(std::string_view bytes) {
  if (fd_ < 0) UM_RETURN_IF_ERROR(Connect());
  UM_RETURN_IF_ERROR(SendAll(bytes));
  return ReadResponse();
}

Result<ClientResponse> SimpleHttpClient::Request(
    std::string_view method, std::string_view target,
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body) {
  std::string request =
      fmt::format("{} {} HTTP/1.1\r\nHost: {}:{}\r\n", method, target, host_, port_);
  for (const auto& [name, value] : headers) request += fmt::format("{}: {}\r\n", name, value);
  if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT") {
    request += fmt::format("Content-Length: {}\r\n", body.size());
  }
  request += "\r\n";
  request.append(body);
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = fd_ < 0;
    if (fresh) UM_RETURN_IF_ERROR(Connect());
    Status sent = SendAll(request);
    if (sent.ok()) {
      Result<ClientResponse> r = ReadResponse(method == "HEAD");
      if (r.ok()) {
        if (EqualsIgnoreCase(r->Header("connection"), "close")) Disconnect();
        return r;
      }
      if (fresh) return r.status();
    } else if (fresh) {
      return sent;
    }
    Disconnect();  // the kept-alive connection went away: retry once on a new one
  }
  return Status::Unavailable("request failed after reconnecting");
}

}  // namespace unmogrowp::http
