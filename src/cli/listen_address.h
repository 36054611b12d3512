#pragma once

// Parses a --listen value: "host:port", "[v6]:port", ":port" or "port".

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace unmogrowp {

struct ListenAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
};

Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace unmogrowp
