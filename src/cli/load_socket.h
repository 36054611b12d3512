#pragma once

// Socket helpers of the load generator: resolving the server's address once,
// a blocking reachability probe, and opening non-blocking TCP connections
// with TCP_NODELAY for the event loop. Plain POSIX; stateless functions.

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "core/result.h"
#include "core/status.h"

namespace unmogrowp {

// A resolved server address (IPv4 or IPv6), copyable.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // numeric form, for messages and the Host header
};

// `host` (a numeric IPv4/IPv6 address or a name; IPv4 preferred) and `port`.
Result<SocketAddress> ResolveAddress(const std::string& host, uint16_t port);

// Connects once, blocking, and closes; Unavailable when nothing listens.
Status ProbeConnect(const SocketAddress& address);

// A non-blocking, close-on-exec TCP socket with TCP_NODELAY, its connect
// started: *connected says whether it finished at once (else wait for
// writability and check SocketError). An error when even that failed.
Result<int> StartConnect(const SocketAddress& address, bool* connected);

// The pending error of a socket whose connect has finished (0 = connected).
int SocketError(int fd);

}  // namespace unmogrowp
