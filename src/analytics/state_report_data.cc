#include "analytics/state_report_data.h"

#include <algorithm>
#include <limits>

#include "store/bytes.h"
#include "store/keys.h"

namespace unmogrowp::analytics {

Status StateReportData::DailyStats(std::string_view app_id, int64_t from_day, int64_t to_day,
                                   std::optional<StatsDimension> group_by,
                                   const StatsFn& fn) const {
  const size_t prefix_bytes = store::AppPrefix(app_id).size();
  std::string value;
  Status row_status;
  bool stopped = false;
  for (int64_t day = from_day; day <= to_day && !stopped; ++day) {
    // The whole-app row is one key; a group's rows are one short range.
    UM_ASSIGN_OR_RETURN(bool found,
                        state_->Get(store::Table::kDailyStats,
                                    StatsKey(app_id, day, StatsDimension::kAll, {}), &value));
    if (found) {
      UM_ASSIGN_OR_RETURN(StatsRow row, DecodeStatsRow(value));
      if (!fn(day, StatsDimension::kAll, "", row)) return Status::OK();
    }
    if (!group_by) continue;
    std::string begin = StatsDayPrefix(app_id, day);
    begin.push_back(static_cast<char>(*group_by));
    UM_RETURN_IF_ERROR(state_->Scan(store::Table::kDailyStats, begin, store::PrefixEnd(begin),
                                    [&](std::string_view key, std::string_view bytes) {
                                      Result<StatsKeyParts> parts =
                                          DecodeStatsKey(key, prefix_bytes);
                                      Result<StatsRow> row =
                                          parts.ok() ? DecodeStatsRow(bytes) : parts.status();
                                      if (!row.ok()) {
                                        row_status = row.status();
                                        return false;
                                      }
                                      stopped = !fn(day, *group_by, parts->value, *row);
                                      return !stopped;
                                    }));
    UM_RETURN_IF_ERROR(row_status);
  }
  return Status::OK();
}

Status StateReportData::InstallRollups(std::string_view app_id, int64_t from_day, int64_t to_day,
                                       const RollupFn& fn) const {
  const size_t prefix_bytes = store::AppPrefix(app_id).size();
  Status bad;
  UM_RETURN_IF_ERROR(state_->Scan(
      store::Table::kInstallRollup, store::RollupDayPrefix(app_id, from_day),
      store::RollupDayPrefix(app_id, to_day + 1),
      [&](std::string_view key, std::string_view value) {
        Result<store::RollupChannel> channel = store::DecodeRollupKey(key, prefix_bytes);
        Result<store::RollupCounters> counters =
            channel.ok() ? store::DecodeRollupCounters(value) : channel.status();
        if (!counters.ok()) {
          bad = counters.status();
          return false;
        }
        return fn(*channel, *counters);
      }));
  return bad;
}

Status StateReportData::Cohorts(std::string_view app_id, int64_t from_day, int64_t to_day,
                                const CohortFn& fn) const {
  const size_t prefix_bytes = store::AppPrefix(app_id).size();
  Status bad;
  UM_RETURN_IF_ERROR(state_->Scan(store::Table::kCohorts, store::RollupDayPrefix(app_id, from_day),
                                  store::RollupDayPrefix(app_id, to_day + 1),
                                  [&](std::string_view key, std::string_view value) {
                                    Result<store::RollupChannel> channel =
                                        store::DecodeRollupKey(key, prefix_bytes);
                                    Result<CohortRow> row =
                                        channel.ok() ? DecodeCohortRow(value) : channel.status();
                                    if (!row.ok()) {
                                      bad = row.status();
                                      return false;
                                    }
                                    return fn(*channel, *row);
                                  }));
  return bad;
}

Status StateReportData::Conversions(std::string_view app_id, std::string_view event_type,
                                    int64_t from_ms, int64_t to_ms, const ConversionFn& fn) const {
  Status bad;
  UM_RETURN_IF_ERROR(state_->Scan(
      store::Table::kConversions, store::ConversionTimeKey(app_id, event_type, from_ms),
      store::ConversionTimeKey(app_id, event_type, to_ms + 1),
      [&](std::string_view key, std::string_view value) {
        Result<TimeSeq> at = store::DecodeTimeSeqSuffix(key);
        Result<store::ConversionRecord> record =
            at.ok() ? store::DecodeConversionRecord(value) : at.status();
        if (!record.ok()) {
          bad = record.status();
          return false;
        }
        return fn(*at, *record);
      }));
  return bad;
}

Status StateReportData::TouchesByDay(std::string_view app_id, int64_t from_day, int64_t to_day,
                                     const TouchFn& fn) const {
  const size_t prefix_bytes = store::AppPrefix(app_id).size();
  Status bad;
  UM_RETURN_IF_ERROR(state_->Scan(
      store::Table::kTouchesByDay, store::RollupDayPrefix(app_id, from_day),
      store::RollupDayPrefix(app_id, to_day + 1),
      [&](std::string_view key, std::string_view value) {
        Result<store::DayTouch> touch = store::DecodeTouchByDay(key, value, prefix_bytes);
        if (!touch.ok()) {
          bad = touch.status();
          return false;
        }
        return fn(*touch);
      }));
  return bad;
}

Result<std::unordered_map<std::string, TimeSeq>> StateReportData::LastConversions(
    std::string_view app_id, std::string_view event_type, int64_t to_ms,
    const std::vector<std::string>& device_ids) const {
  std::unordered_map<std::string, TimeSeq> last;
  std::string key;
  for (const std::string& device : device_ids) {
    UM_ASSIGN_OR_RETURN(
        bool converted,
        state_->LastKeyInRange(
            store::Table::kDeviceConversions,
            store::DeviceConversionTimeKey(app_id, device, event_type,
                                           std::numeric_limits<int64_t>::min()),
            store::DeviceConversionTimeKey(app_id, device, event_type, to_ms + 1), &key));
    if (!converted) continue;
    UM_ASSIGN_OR_RETURN(TimeSeq at, store::DecodeTimeSeqSuffix(key));
    last.emplace(device, at);
  }
  return last;
}

Result<std::vector<std::string>> StateReportData::DeviceEvents(std::string_view app_id,
                                                               std::string_view device_id) const {
  // The device's index: (timestamp, log offset) of each of its events.
  std::vector<TimeSeq> index;
  std::string prefix = store::DeviceEventsPrefix(app_id, device_id);
  // Keys of a longer device id with this one as a prefix do not share the
  // length prefix, so every key in the range is this device's.
  Status bad;
  UM_RETURN_IF_ERROR(state_->Scan(store::Table::kDeviceEvents, prefix, store::PrefixEnd(prefix),
                                  [&](std::string_view key, std::string_view value) {
                                    store::ByteReader offset_reader(key.substr(prefix.size()));
                                    uint64_t offset = offset_reader.BigEndian64();
                                    Result<int64_t> ts = store::DecodeDeviceEventValue(value);
                                    if (!ts.ok() || !offset_reader.ok()) {
                                      bad = Status::Corruption(
                                          "device event index entry is malformed");
                                      return false;
                                    }
                                    index.push_back(TimeSeq{*ts, offset});
                                    return true;
                                  }));
  UM_RETURN_IF_ERROR(bad);
  std::sort(index.begin(), index.end(),
            [](const TimeSeq& a, const TimeSeq& b) { return EarlierInTime(a, b); });
  std::vector<std::string> payloads;
  payloads.reserve(index.size());
  std::string payload;
  for (const TimeSeq& at : index) {
    UM_ASSIGN_OR_RETURN(bool found,
                        state_->Get(store::Table::kEventsByTime,
                                    store::EventTimeKey(app_id, at.ts_ms, at.seq), &payload));
    if (found) payloads.push_back(payload);  // absent: removed by retention just now
  }
  return payloads;
}

Status StateReportData::Events(std::string_view app_id, int64_t from_ms, int64_t to_ms,
                               std::optional<EventPosition> after, const EventFn& fn) const {
  std::string begin = after ? store::EventTimeKey(app_id, after->ts_ms, after->seq)
                            : store::EventTimePrefix(app_id, from_ms);
  if (after) begin.push_back('\0');  // just past it
  const size_t prefix_bytes = store::AppPrefix(app_id).size();
  Status bad;
  UM_RETURN_IF_ERROR(state_->Scan(store::Table::kEventsByTime, begin,
                                  store::EventTimePrefix(app_id, to_ms + 1),
                                  [&](std::string_view key, std::string_view payload) {
                                    store::ByteReader reader(key.substr(prefix_bytes));
                                    EventPosition at;
                                    at.ts_ms = reader.OrderedInt64();
                                    at.seq = reader.BigEndian64();
                                    if (!reader.ok()) {
                                      bad = Status::Corruption("event key is malformed");
                                      return false;
                                    }
                                    return fn(at, payload);
                                  }));
  return bad;
}

Result<std::optional<store::DeviceInstall>> StateReportData::DeviceInstall(
    std::string_view app_id, std::string_view device_id) const {
  std::string bytes;
  UM_ASSIGN_OR_RETURN(
      bool found, state_->Get(store::Table::kDevices, store::DeviceKey(app_id, device_id), &bytes));
  if (!found) return std::optional<store::DeviceInstall>();
  UM_ASSIGN_OR_RETURN(store::DeviceState state, store::DecodeDeviceState(bytes));
  return state.install;
}

}  // namespace unmogrowp::analytics
