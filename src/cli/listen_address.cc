#include "cli/listen_address.h"

#include <charconv>

namespace unmogrowp {

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress out;
  std::string_view port_text = text;
  size_t colon = text.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (!host.empty()) out.host = std::string(host);
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    return Status::InvalidArgument(
        "listen", "expected host:port, e.g. 127.0.0.1:8080, got '" + std::string(text) + "'");
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

}  // namespace unmogrowp
