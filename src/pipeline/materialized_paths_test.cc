// Differential test: the paths the pipeline materializes while it processes
// events -- in arrival order, shuffled so that touchpoints and conversions
// arrive late, with commits at random points -- must equal the paths that
// attribution/paths.h builds from the same events after the fact, straight
// from ATTRIBUTION.md's definition. Two implementations of one rule.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "attribution/paths.h"
#include "core/scoped_temp_dir_for_test.h"
#include "pipeline/event_processor.h"
#include "pipeline/pipeline_test_util.h"

namespace unmogrowp {
namespace {

using namespace testing_util;

constexpr int kDevices = 40;
const char* const kSources[] = {"A", "B", "C", "D", "E"};

struct Sent {
  Event event;
  uint64_t offset = 0;
};

// The stored paths of `type`, per device, in conversion (ts, seq) order.
std::map<std::string, std::vector<std::vector<std::string>>> StoredPaths(const store::StateStore& s,
                                                                         std::string_view type) {
  std::map<std::string, std::vector<std::vector<std::string>>> by_device;
  Status scanned = s.Scan(
      store::Table::kConversions, store::ConversionTimeKey(kApp, type, INT64_MIN),
      store::ConversionTimeKey(kApp, type, INT64_MAX), [&](std::string_view, std::string_view v) {
        auto record = store::DecodeConversionRecord(v);
        EXPECT_TRUE(record.ok());
        std::vector<std::string> sources;
        for (const auto& t : record->path) sources.push_back(t.source);
        by_device[record->device_id].push_back(std::move(sources));
        return true;
      });
  EXPECT_TRUE(scanned.ok());
  return by_device;
}

// ATTRIBUTION.md's paths of `type` for each device, by attribution/paths.h.
std::map<std::string, std::vector<std::vector<std::string>>> ReferencePaths(
    const std::vector<Sent>& sent, std::string_view type, int64_t lookback_days) {
  std::map<std::string, std::vector<PathTouchpoint>> touches;
  std::map<std::string, std::vector<PathConversion>> conversions;
  std::map<std::string, bool> installed;
  for (const Sent& s : sent) {  // arrival order
    const Event& e = s.event;
    EventKind kind = e.kind();
    if (kind == EventKind::kClick || kind == EventKind::kImpression) {
      uint32_t channel = static_cast<uint32_t>(e.source[0] - 'A');
      touches[e.device_id].push_back(PathTouchpoint{e.timestamp_ms, s.offset, channel});
    } else if (e.event_type == type) {
      // For install, only the first one received counts.
      if (kind == EventKind::kInstall && installed[e.device_id]) continue;
      installed[e.device_id] = true;
      conversions[e.device_id].push_back(PathConversion{e.timestamp_ms, s.offset, e.revenue});
    }
  }
  std::map<std::string, std::vector<std::vector<std::string>>> by_device;
  for (auto& [device, device_conversions] : conversions) {
    MtaInput input;
    input.num_channels = 5;
    std::vector<PathTouchpoint>& device_touches = touches[device];
    AppendDevicePaths(device_touches, device_conversions,
                      PathOptions{INT64_MIN / 4, INT64_MAX / 4, lookback_days}, &input);
    for (size_t p = 0; p < input.converting.size(); ++p) {
      std::vector<std::string> sources;
      for (uint32_t c : input.converting.path(p)) sources.push_back(kSources[c]);
      by_device[device].push_back(std::move(sources));
    }
  }
  return by_device;
}

TEST(MaterializedPathsTest, EqualThePathsBuiltAfterTheFactWhateverTheArrivalOrder) {
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    ScopedTempDir dir;
    auto store = store::StateStore::Open({.dir = dir.File("state")});
    ASSERT_TRUE(store.ok());
    AppSettings settings;
    settings.mta_lookback_days = 1;  // events span 2 days: the lookback matters
    EventProcessor processor(store->get(),
                             [&](std::string_view) -> Result<AppSettings> { return settings; });

    std::vector<Sent> sent;
    int id = 0;
    for (int d = 0; d < kDevices; ++d) {
      std::string device = "dev" + std::to_string(d);
      int n = 5 + static_cast<int>(rng() % 25);
      for (int i = 0; i < n; ++i) {
        // Whole hours, so equal timestamps (ties) are common.
        int64_t ts = kT0 + static_cast<int64_t>(rng() % 48) * kHour;
        uint32_t pick = rng() % 10;
        std::string type = pick < 4   ? "click"
                           : pick < 6 ? "impression"
                           : pick < 8 ? "purchase"
                                      : "install";
        Event e = MakeEvent("e" + std::to_string(id++), type, ts, device);
        if (pick < 6) e.source = kSources[rng() % 5];
        if (type == "purchase") e.revenue = 1 + rng() % 9;
        sent.push_back(Sent{std::move(e), 0});
      }
    }
    // Mostly in time order per device, with a share of events moved
    // elsewhere: late arrivals of both touchpoints and conversions.
    std::stable_sort(sent.begin(), sent.end(), [](const Sent& a, const Sent& b) {
      return a.event.timestamp_ms < b.event.timestamp_ms;
    });
    for (size_t i = 0; i < sent.size() / 4; ++i) {
      std::swap(sent[rng() % sent.size()], sent[rng() % sent.size()]);
    }
    uint64_t offset = 0;
    for (Sent& s : sent) {
      s.offset = offset;
      ASSERT_TRUE(processor.Apply(Encode(s.event), offset).ok());
      offset += 100;
      if (rng() % 50 == 0) {
        ASSERT_TRUE(processor.Commit(offset).ok());
      }
    }
    ASSERT_TRUE(processor.Commit(offset).ok());

    for (std::string type : {"purchase", "install"}) {
      auto stored = StoredPaths(**store, type);
      auto reference = ReferencePaths(sent, type, settings.mta_lookback_days);
      EXPECT_EQ(stored, reference) << type;
      // The comparison means something: many paths, some of them long.
      size_t paths = 0, long_paths = 0;
      for (const auto& [device, list] : reference) {
        paths += list.size();
        for (const auto& path : list) long_paths += path.size() >= 3;
      }
      EXPECT_GT(paths, static_cast<size_t>(kDevices / 2)) << type;
      EXPECT_GT(long_paths, 5u) << type;
    }
  }
}

}  // namespace
}  // namespace unmogrowp
