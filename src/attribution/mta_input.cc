#include "attribution/mta_input.h"

#include <fmt/format.h>

#include <string>

namespace unmogrowp {

void ConvertingPaths::Add(std::span<const uint32_t> path_channels, std::span<const int64_t> ts_ms,
                          int64_t conversion_ts, double conversion_revenue) {
  channels.insert(channels.end(), path_channels.begin(), path_channels.end());
  touch_ts_ms.insert(touch_ts_ms.end(), ts_ms.begin(), ts_ms.end());
  EndPath(conversion_ts, conversion_revenue);
}

void NonConvertingPaths::Add(std::span<const uint32_t> path_channels) {
  channels.insert(channels.end(), path_channels.begin(), path_channels.end());
  EndPath();
}

namespace {

Status ValidateOffsets(std::span<const uint64_t> offsets, size_t num_touches,
                       const std::string& field) {
  if (offsets.empty() || offsets.front() != 0 || offsets.back() != num_touches) {
    return Status::InvalidArgument(field, "must start at 0 and end at the number of touchpoints");
  }
  for (size_t i = 1; i < offsets.size(); ++i) {
    if (offsets[i] < offsets[i - 1]) {
      return Status::InvalidArgument(field, fmt::format("decreases at path {}", i - 1));
    }
  }
  return Status::OK();
}

Status ValidateChannels(std::span<const uint32_t> channels, uint32_t num_channels,
                        const std::string& field) {
  uint32_t max_id = 0;
  for (uint32_t c : channels) max_id = c > max_id ? c : max_id;
  if (!channels.empty() && max_id >= num_channels) {
    return Status::InvalidArgument(
        field, fmt::format("channel id {} is not below num_channels {}", max_id, num_channels));
  }
  return Status::OK();
}

}  // namespace

Status ValidateMtaInput(const MtaInput& input) {
  const ConvertingPaths& c = input.converting;
  if (c.touch_ts_ms.size() != c.channels.size()) {
    return Status::InvalidArgument("converting.touch_ts_ms", "must be parallel to channels");
  }
  UM_RETURN_IF_ERROR(ValidateOffsets(c.offsets, c.channels.size(), "converting.offsets"));
  if (c.conversion_ts_ms.size() != c.size() || c.revenue.size() != c.size()) {
    return Status::InvalidArgument("converting.revenue",
                                   "conversion_ts_ms and revenue need one entry per path");
  }
  UM_RETURN_IF_ERROR(ValidateChannels(c.channels, input.num_channels, "converting.channels"));
  const NonConvertingPaths& n = input.non_converting;
  UM_RETURN_IF_ERROR(ValidateOffsets(n.offsets, n.channels.size(), "non_converting.offsets"));
  return ValidateChannels(n.channels, input.num_channels, "non_converting.channels");
}

ChannelCredit SplitOrganic(const ConvertingPaths& paths, uint32_t organic_channel,
                           std::span<ChannelCredit> credit) {
  ChannelCredit total;
  for (size_t p = 0; p < paths.size(); ++p) {
    ChannelCredit& to = paths.offsets[p] == paths.offsets[p + 1] ? credit[organic_channel] : total;
    to.conversions += 1;
    to.revenue += paths.revenue[p];
  }
  return total;
}

}  // namespace unmogrowp
