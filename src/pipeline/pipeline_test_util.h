#pragma once

// Helpers for the pipeline's tests: events built field by field and encoded
// the way the ingest path stores them, and readers of the derived state.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "event/codec.h"
#include "event/event.h"
#include "store/device_state.h"
#include "store/install_rollup.h"
#include "store/journey_records.h"
#include "store/keys.h"
#include "store/state_store.h"

namespace unmogrowp::testing_util {

inline constexpr char kApp[] = "app_test";
inline constexpr int64_t kHour = 3'600'000;
// 2026-01-10T00:00:00Z: a day boundary, so rollup days are easy to name.
inline constexpr int64_t kT0 = 1'768'003'200'000;

inline Event MakeEvent(std::string event_id, std::string type, int64_t ts, std::string device) {
  Event e;
  e.app_id = kApp;
  e.event_id = std::move(event_id);
  e.event_type = std::move(type);
  e.timestamp_ms = ts;
  e.received_ms = ts;
  e.device_id = std::move(device);
  return e;
}

inline std::string Encode(const Event& e) {
  std::string out;
  AppendEncoded(AsView(e), &out);
  return out;
}

// Every rollup row of the app summed by (organic, source, campaign) over all
// days, keyed "organic" or "source/campaign".
inline std::map<std::string, store::RollupCounters> RollupTotals(const store::StateStore& s) {
  std::map<std::string, store::RollupCounters> totals;
  std::string prefix = store::AppPrefix(kApp);
  Status scanned = s.Scan(store::Table::kInstallRollup, prefix, store::PrefixEnd(prefix),
                          [&](std::string_view k, std::string_view v) {
                            auto channel = store::DecodeRollupKey(k, prefix.size());
                            auto counters = store::DecodeRollupCounters(v);
                            if (!channel.ok() || !counters.ok()) return false;
                            std::string name = channel->organic
                                                   ? std::string("organic")
                                                   : channel->source + "/" + channel->campaign;
                            totals[name].Add(*counters);
                            return true;
                          });
  if (!scanned.ok()) totals["<scan failed>"] = {};
  return totals;
}

// The sources of each conversion path of `type`, in conversion time order.
inline std::vector<std::vector<std::string>> ConversionPaths(const store::StateStore& s,
                                                             std::string_view type) {
  std::vector<std::vector<std::string>> paths;
  std::string begin = store::ConversionTimeKey(kApp, type, INT64_MIN);
  std::string end = store::ConversionTimeKey(kApp, type, INT64_MAX);
  Status scanned =
      s.Scan(store::Table::kConversions, begin, end, [&](std::string_view, std::string_view v) {
        auto record = store::DecodeConversionRecord(v);
        if (!record.ok()) return false;
        std::vector<std::string> sources;
        for (const auto& t : record->path) sources.push_back(t.source);
        paths.push_back(std::move(sources));
        return true;
      });
  if (!scanned.ok()) paths.push_back({"<scan failed>"});
  return paths;
}

inline store::DeviceState Device(const store::StateStore& s, std::string_view device) {
  std::string value;
  auto found = s.Get(store::Table::kDevices, store::DeviceKey(kApp, device), &value);
  if (!found.ok() || !*found) return {};
  auto state = store::DecodeDeviceState(value);
  return state.ok() ? *state : store::DeviceState{};
}

using Rows = std::vector<std::pair<std::string, std::string>>;

// Every row of `table` whose key starts with `prefix`.
inline Rows Dump(const store::StateStore& s, store::Table table, const std::string& prefix) {
  Rows rows;
  Status scanned =
      s.Scan(table, prefix, store::PrefixEnd(prefix), [&](std::string_view k, std::string_view v) {
        rows.emplace_back(k, v);
        return true;
      });
  EXPECT_TRUE(scanned.ok()) << scanned.ToString();
  return rows;
}

inline std::set<std::string> Keys(const Rows& rows) {
  std::set<std::string> keys;
  for (const auto& [k, v] : rows) keys.insert(k);
  return keys;
}

// Every table of the store for one app (kMeta is not per app).
inline std::map<store::Table, Rows> DumpApp(const store::StateStore& s, std::string_view app) {
  std::map<store::Table, Rows> tables;
  for (int t = static_cast<int>(store::Table::kDedup); t < static_cast<int>(store::Table::kCount);
       ++t) {
    tables[static_cast<store::Table>(t)] =
        Dump(s, static_cast<store::Table>(t), store::AppPrefix(app));
  }
  return tables;
}

}  // namespace unmogrowp::testing_util
