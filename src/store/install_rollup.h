#pragma once

// Rows of table kInstallRollup: per app, UTC day and channel, the first
// installs by match type and the in-app revenue of the devices attributed to
// that channel -- what GET .../attribution/installs sums over a date range
// without touching raw events. The channel is the winning touchpoint's
// (source, campaign); the organic row (no install, or an organic one) has
// both empty. Plain values and pure codecs.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace unmogrowp::store {

struct RollupChannel {
  int64_t day = 0;  // days since 1970-01-01 UTC
  bool organic = false;
  std::string source;    // "" when the touchpoint had none (or organic)
  std::string campaign;  // "" when the touchpoint had none (or organic)

  bool operator==(const RollupChannel&) const = default;
};

struct RollupCounters {
  int64_t deterministic = 0;  // first installs matched by device id
  int64_t probabilistic = 0;  // first installs matched by ip + user agent
  int64_t organic = 0;        // organic first installs (organic row only)
  double revenue = 0;         // in-app revenue of the channel's devices

  bool operator==(const RollupCounters&) const = default;
  void Add(const RollupCounters& other) {
    deterministic += other.deterministic;
    probabilistic += other.probabilistic;
    organic += other.organic;
    revenue += other.revenue;
  }
};

std::string RollupKey(std::string_view app_id, const RollupChannel& channel);
// Decodes a key made by RollupKey for the app whose AppPrefix is
// `app_prefix_bytes` long.
Result<RollupChannel> DecodeRollupKey(std::string_view key, size_t app_prefix_bytes);

std::string EncodeRollupCounters(const RollupCounters& counters);
Result<RollupCounters> DecodeRollupCounters(std::string_view bytes);

}  // namespace unmogrowp::store
