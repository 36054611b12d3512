#pragma once

// Test helper for the data-driven models: an MtaInput from paths written as
// channel lists (touchpoint timestamps 0; the models that use these ignore
// them).

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "attribution/mta_input.h"

namespace unmogrowp::testing_util {

struct Path {
  std::vector<uint32_t> channels;
  double revenue = 0;
};

inline MtaInput Input(uint32_t num_channels, const std::vector<Path>& converting,
                      const std::vector<std::vector<uint32_t>>& non_converting) {
  MtaInput input;
  input.num_channels = num_channels;
  for (const Path& p : converting) {
    input.converting.Add(p.channels, std::vector<int64_t>(p.channels.size(), 0), 0, p.revenue);
  }
  for (const auto& p : non_converting) input.non_converting.Add(p);
  EXPECT_TRUE(ValidateMtaInput(input).ok());
  return input;
}

}  // namespace unmogrowp::testing_util
