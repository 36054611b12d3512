#include "cli/load_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace unmogrowp {

namespace {

std::string Describe(const SocketAddress& a) {
  const auto* in = reinterpret_cast<const sockaddr_in*>(&a.storage);
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
  uint16_t port = ntohs(a.storage.ss_family == AF_INET ? in->sin_port : in6->sin6_port);
  return (a.storage.ss_family == AF_INET6 ? "[" + a.text + "]" : a.text) + ":" +
         std::to_string(port);
}

}  // namespace

Result<SocketAddress> ResolveAddress(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0 || list == nullptr) {
    return Status::InvalidArgument("url", "cannot resolve host " + host + ": " + gai_strerror(rc));
  }
  const addrinfo* chosen = list;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      chosen = ai;
      break;
    }
  }
  SocketAddress address;
  std::memcpy(&address.storage, chosen->ai_addr, chosen->ai_addrlen);
  address.length = chosen->ai_addrlen;
  ::freeaddrinfo(list);
  char text[INET6_ADDRSTRLEN] = {};
  if (address.storage.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address.storage);
    in->sin_port = htons(port);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    in6->sin6_port = htons(port);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
  }
  address.text = text;
  return address;
}

Status ProbeConnect(const SocketAddress& address) {
  int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length);
  int error = errno;
  ::close(fd);
  if (rc != 0) {
    return Status::Unavailable("cannot connect to " + Describe(address) + ": " +
                               std::strerror(error));
  }
  return Status::OK();
}

Result<int> StartConnect(const SocketAddress& address, bool* connected) {
  int fd = ::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address.storage), address.length);
  if (rc == 0) {
    *connected = true;
    return fd;
  }
  if (errno == EINPROGRESS) {
    *connected = false;
    return fd;
  }
  int error = errno;
  ::close(fd);
  return Status::Unavailable("connect to " + Describe(address) + ": " + std::strerror(error));
}

int SocketError(int fd) {
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
  return error;
}

}  // namespace unmogrowp
