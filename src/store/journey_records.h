#pragma once

// The material of multi-touch reports (ATTRIBUTION.md, "Multi-touch
// attribution"), kept so that a report over millions of conversions reads
// compact rows instead of raw events:
// - kConversions: each conversion (first install, or any in-app event) with
//   its path materialized when the pipeline processed it -- the touchpoints
//   of its device after the previous conversion of the same type and within
//   the MTA lookback -- keyed by app, event type and time, so a report range
//   is one range scan;
// - kDeviceConversions: each device's conversion times by type, for "the
//   device's last conversion at or before `to`" (one seek);
// - kTouchesByDay: every touchpoint with a device id by UTC day, for the
//   non-converting paths of a range.
// Plain values and pure codecs.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "event/time_order.h"

namespace unmogrowp::store {

struct PathTouch {
  int64_t ts_ms = 0;
  std::string source;    // "" when absent
  std::string campaign;  // "" when absent

  bool operator==(const PathTouch&) const = default;
};

struct ConversionRecord {
  std::string device_id;
  double revenue = 0;
  std::vector<PathTouch> path;  // time order; empty: organic

  bool operator==(const ConversionRecord&) const = default;
};

// kConversions keys: ConversionKey(app, type, ts, seq); a time range is
// [ConversionTimeKey(app, type, from), ConversionTimeKey(app, type, to + 1)).
std::string ConversionKey(std::string_view app_id, std::string_view event_type, int64_t ts_ms,
                          uint64_t seq);
std::string ConversionTimeKey(std::string_view app_id, std::string_view event_type, int64_t ts_ms);
std::string EncodeConversionRecord(const ConversionRecord& record);
Result<ConversionRecord> DecodeConversionRecord(std::string_view bytes);

// kDeviceConversions keys (values are empty).
std::string DeviceConversionKey(std::string_view app_id, std::string_view device_id,
                                std::string_view event_type, int64_t ts_ms, uint64_t seq);
std::string DeviceConversionTimeKey(std::string_view app_id, std::string_view device_id,
                                    std::string_view event_type, int64_t ts_ms);
// The (ts, seq) that ends a ConversionKey or a DeviceConversionKey.
Result<TimeSeq> DecodeTimeSeqSuffix(std::string_view key);

// kTouchesByDay: key app, day, device, ts, seq; value source, campaign.
struct DayTouch {
  int64_t day = 0;
  std::string device_id;
  int64_t ts_ms = 0;
  uint64_t seq = 0;
  std::string source;
  std::string campaign;

  bool operator==(const DayTouch&) const = default;
};
std::string TouchByDayKey(std::string_view app_id, const DayTouch& touch);
std::string TouchByDayValue(const DayTouch& touch);
// `app_prefix_bytes`: the length of AppPrefix(app) at the key's start.
Result<DayTouch> DecodeTouchByDay(std::string_view key, std::string_view value,
                                  size_t app_prefix_bytes);

}  // namespace unmogrowp::store
