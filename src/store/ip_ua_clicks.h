#pragma once

// Values of table kClicksByIpUa: the recent clicks sent with one (ip,
// user_agent) pair, any device or none -- the candidates of a probabilistic
// install match, found by one point lookup instead of a scan. Kept in (ts,
// seq) order and pruned to the app's probabilistic window by the pipeline.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace unmogrowp::store {

struct IpUaClick {
  int64_t ts_ms = 0;
  uint64_t seq = 0;
  std::string source;
  std::string campaign;
  std::string event_id;

  bool operator==(const IpUaClick&) const = default;
};

std::string EncodeIpUaClicks(const std::vector<IpUaClick>& clicks);
Result<std::vector<IpUaClick>> DecodeIpUaClicks(std::string_view bytes);

}  // namespace unmogrowp::store
