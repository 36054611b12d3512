#include "event/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace unmogrowp {

bool IsValidIpAddress(std::string_view text) {
  // The longest valid form is "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" (45 chars).
  constexpr size_t kMaxTextBytes = 45;
  if (text.empty() || text.size() > kMaxTextBytes) return false;
  // inet_pton reads a C string: an embedded NUL would hide what follows it.
  if (text.find('\0') != std::string_view::npos) return false;
  char buf[kMaxTextBytes + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char addr[16];
  const int family = text.find(':') == std::string_view::npos ? AF_INET : AF_INET6;
  return inet_pton(family, buf, addr) == 1;
}

}  // namespace unmogrowp
