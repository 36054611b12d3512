#pragma once

// Rows of table kDailyStats: per app and UTC day, the counters behind
// GET /v1/apps/{id}/stats -- events, first installs, revenue and a sketch
// of the distinct devices -- once for the whole app (dimension kAll) and
// once per value of each split: the device's attributed source and campaign
// and the event type. A date range is answered by reading one row per day,
// never raw events. Plain values and pure codecs
// (docs/formats/state-store.md).

#include <cstdint>
#include <string>
#include <string_view>

#include "analytics/hll.h"
#include "core/result.h"

namespace unmogrowp::analytics {

enum class StatsDimension : uint8_t {
  kAll = 0,        // value ""
  kSource = 1,     // the device's channel source: a name, "(none)" or "(organic)"
  kCampaign = 2,   // the device's channel campaign: a name, "(none)" or "(organic)"
  kEventType = 3,  // the event's type
};

struct StatsRow {
  int64_t events = 0;
  int64_t installs = 0;  // first installs
  double revenue = 0;    // every event's revenue as sent
  HyperLogLog devices;   // distinct device ids

  // Adds counters and unions the sketches.
  void Add(const StatsRow& other) {
    events += other.events;
    installs += other.installs;
    revenue += other.revenue;
    devices.Merge(other.devices);
  }
};

// Key: AppPrefix, ordered day, dimension byte, length-prefixed value.
std::string StatsKey(std::string_view app_id, int64_t day, StatsDimension dimension,
                     std::string_view value);
// Every row of one app from `day` on: scan [StatsDayPrefix(a, from),
// StatsDayPrefix(a, to + 1)).
std::string StatsDayPrefix(std::string_view app_id, int64_t day);

struct StatsKeyParts {
  int64_t day = 0;
  StatsDimension dimension = StatsDimension::kAll;
  std::string_view value;  // views into the key
};
// Decodes a key made by StatsKey for the app whose AppPrefix is
// `app_prefix_bytes` long.
Result<StatsKeyParts> DecodeStatsKey(std::string_view key, size_t app_prefix_bytes);

// Value: version byte, signed varint events, signed varint installs, f64
// revenue, then the sketch's own encoding (hll.h) to the end.
std::string EncodeStatsRow(const StatsRow& row);
Result<StatsRow> DecodeStatsRow(std::string_view bytes);
// Adds an encoded row to `*into` without decoding the sketch into a
// temporary (the report's hot loop).
Status AddEncodedStatsRow(std::string_view bytes, StatsRow* into);

}  // namespace unmogrowp::analytics
