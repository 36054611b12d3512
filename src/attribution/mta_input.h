#pragma once

// MtaInput: the paths a multi-touch (MTA) report credits (ATTRIBUTION.md,
// "Multi-touch attribution"), stored flat -- one vector per field, not one
// allocation per path -- so that a million paths are a few contiguous arrays
// the models stream through. Built by AppendDevicePaths (paths.h) or by hand;
// read by the models (mta.h). Plain values; not safe to mutate from two
// threads at once.
//
// Channels are small integer ids below `num_channels`. The caller maps
// channel names (a touchpoint's source or campaign, `(none)` included) to
// ids and back, and reserves ids for the `(organic)` and `(other)` rows.

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace unmogrowp {

// Credit of one channel: a share of conversions and of their revenue.
struct ChannelCredit {
  double conversions = 0;
  double revenue = 0;

  bool operator==(const ChannelCredit&) const = default;
};

// One path per conversion, in the order added. A path is its touchpoints in
// time order; an empty path is an organic conversion.
struct ConvertingPaths {
  std::vector<uint32_t> channels;         // every path's touchpoint channels, concatenated
  std::vector<int64_t> touch_ts_ms;       // parallel to `channels`: touchpoint timestamps
  std::vector<uint64_t> offsets{0};       // path i is [offsets[i], offsets[i + 1])
  std::vector<int64_t> conversion_ts_ms;  // one per path
  std::vector<double> revenue;            // one per path: the conversion's revenue

  size_t size() const { return offsets.size() - 1; }
  std::span<const uint32_t> path(size_t i) const {
    return {channels.data() + offsets[i], channels.data() + offsets[i + 1]};
  }
  std::span<const int64_t> path_ts(size_t i) const {
    return {touch_ts_ms.data() + offsets[i], touch_ts_ms.data() + offsets[i + 1]};
  }

  // Builds a path touchpoint by touchpoint: AppendTouch* then EndPath.
  void AppendTouch(uint32_t channel, int64_t ts_ms) {
    channels.push_back(channel);
    touch_ts_ms.push_back(ts_ms);
  }
  void EndPath(int64_t conversion_ts, double conversion_revenue) {
    offsets.push_back(channels.size());
    conversion_ts_ms.push_back(conversion_ts);
    revenue.push_back(conversion_revenue);
  }
  // A whole path at once; `ts_ms` is parallel to `path_channels`.
  void Add(std::span<const uint32_t> path_channels, std::span<const int64_t> ts_ms,
           int64_t conversion_ts, double conversion_revenue);
};

// Non-converting paths: one per device at most, never empty when built by
// AppendDevicePaths (the models skip empty ones).
struct NonConvertingPaths {
  std::vector<uint32_t> channels;    // every path's touchpoint channels, concatenated
  std::vector<uint64_t> offsets{0};  // path i is [offsets[i], offsets[i + 1])

  size_t size() const { return offsets.size() - 1; }
  std::span<const uint32_t> path(size_t i) const {
    return {channels.data() + offsets[i], channels.data() + offsets[i + 1]};
  }

  void AppendTouch(uint32_t channel) { channels.push_back(channel); }
  void EndPath() { offsets.push_back(channels.size()); }
  void Add(std::span<const uint32_t> path_channels);
};

struct MtaInput {
  uint32_t num_channels = 0;  // every channel id in the paths is below it
  ConvertingPaths converting;
  NonConvertingPaths non_converting;
};

// OK, or InvalidArgument naming the first inconsistent field (offsets that
// are not a partition of `channels`, parallel vectors of different lengths,
// a channel id >= num_channels). The models assume a valid input.
Status ValidateMtaInput(const MtaInput& input);

// Adds each organic (empty) converting path's conversion and revenue to
// credit[organic_channel] and returns the totals of the non-empty ones: what
// a data-driven model then splits between the channels.
ChannelCredit SplitOrganic(const ConvertingPaths& paths, uint32_t organic_channel,
                           std::span<ChannelCredit> credit);

}  // namespace unmogrowp
