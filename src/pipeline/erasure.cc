// EventProcessor::ApplyErasure (event_processor.h): removes one device's
// events and state, and takes its contribution out of every rollup.

#include <algorithm>
#include <vector>

#include "attribution/install_match.h"
#include "event/codec.h"
#include "pipeline/event_processor.h"
#include "store/bytes.h"
#include "store/keys.h"

namespace unmogrowp {

std::string ErasureMarkerKey(std::string_view app_id, std::string_view device_id) {
  std::string key(kErasureMarkerPrefix);
  key += store::DeviceKey(app_id, device_id);
  return key;
}

Status EventProcessor::ApplyErasure(const ErasureRecord& erasure, uint64_t offset) {
  // Everything before the erasure goes to the store first, so the device's
  // events and state are all there to find (and a replay starts here).
  UM_RETURN_IF_ERROR(Commit(offset));
  const std::string& app = erasure.app_id;
  UM_ASSIGN_OR_RETURN(const AppSettings* settings, SettingsFor(app));
  // A deleted (or unknown) app has no rows to erase: its deletion removed
  // them and the erasure markers with them.
  if (settings == nullptr) return Status::OK();
  UM_ASSIGN_OR_RETURN(Device * device, LoadDevice(app, erasure.device_id));
  const store::DeviceState& state = device->state;
  const store::DeviceInstall* install = state.install ? &*state.install : nullptr;

  // Every stored event of the device, from its index.
  std::vector<std::pair<std::string, int64_t>> index;  // kDeviceEvents key, timestamp
  std::string prefix = store::DeviceEventsPrefix(app, erasure.device_id);
  Status decode_status;
  UM_RETURN_IF_ERROR(store_->Scan(store::Table::kDeviceEvents, prefix, store::PrefixEnd(prefix),
                                  [&](std::string_view key, std::string_view value) {
                                    Result<int64_t> ts = store::DecodeDeviceEventValue(value);
                                    if (!ts.ok()) {
                                      decode_status = ts.status();
                                      return false;
                                    }
                                    index.emplace_back(std::string(key), *ts);
                                    return true;
                                  }));
  UM_RETURN_IF_ERROR(decode_status);

  std::string payload;
  std::string marker;  // erasure offset, then the ids of the erased events
  store::PutBigEndian64(offset, &marker);
  // Only what is still stored is subtracted: events past retention are gone
  // already, and what they added to the rollups stays as anonymous sums.
  bool install_found = false;
  std::vector<bool> days_found(analytics::kMaxCohortDay + 1, false);
  for (const auto& [index_key, ts] : index) {
    store::ByteReader reader(std::string_view(index_key).substr(prefix.size()));
    uint64_t event_offset = reader.BigEndian64();
    if (!reader.ok() || !reader.done()) {
      return Status::Corruption("pipeline: a device event index key is malformed");
    }
    std::string time_key = store::EventTimeKey(app, ts, event_offset);
    UM_ASSIGN_OR_RETURN(bool found, store_->Get(store::Table::kEventsByTime, time_key, &payload));
    batch_.Delete(store::Table::kDeviceEvents, index_key);
    if (!found) continue;  // already removed by retention
    batch_.Delete(store::Table::kEventsByTime, time_key);
    EventView event;
    UM_RETURN_IF_ERROR(DecodeEncoded(payload, &event));
    UM_RETURN_IF_ERROR(UncountEvent(event, event_offset, install, *settings));
    store::PutLengthPrefixed(event.event_id, &marker);
    if (install != nullptr) {
      install_found = install_found || install->seq == event_offset;
      int64_t n = store::DayOfMs(event.timestamp_ms) - store::DayOfMs(install->ts_ms);
      if (n >= 0 && n <= analytics::kMaxCohortDay) days_found[static_cast<size_t>(n)] = true;
    }
  }

  if (install != nullptr) {
    analytics::CohortRow& cohort = rollups_.Cohort(app, CohortChannel(*install));
    if (install_found) cohort.installs -= 1;
    for (int64_t n = 0; n <= analytics::kMaxCohortDay; ++n) {
      if (days_found[static_cast<size_t>(n)] && state.CohortDay(n)) cohort.Cell(n).active -= 1;
    }
  }

  // Its conversions and their multi-touch paths.
  std::string conversions_prefix = store::DeviceKey(app, erasure.device_id);
  std::vector<std::string> conversion_keys;
  UM_RETURN_IF_ERROR(store_->Scan(store::Table::kDeviceConversions, conversions_prefix,
                                  store::PrefixEnd(conversions_prefix),
                                  [&](std::string_view key, std::string_view) {
                                    conversion_keys.emplace_back(key);
                                    return true;
                                  }));
  for (const std::string& key : conversion_keys) {
    store::ByteReader reader(std::string_view(key).substr(conversions_prefix.size()));
    std::string_view type = reader.LengthPrefixed();
    UM_ASSIGN_OR_RETURN(TimeSeq at, store::DecodeTimeSeqSuffix(key));
    if (!reader.ok()) return Status::Corruption("pipeline: a device conversion key is malformed");
    batch_.Delete(store::Table::kConversions, store::ConversionKey(app, type, at.ts_ms, at.seq));
    batch_.Delete(store::Table::kDeviceConversions, key);
  }

  batch_.Delete(store::Table::kDevices, store::DeviceKey(app, erasure.device_id));
  devices_.erase(store::DeviceKey(app, erasure.device_id));
  // The log still holds the raw events: the marker tells log maintenance to
  // redact the device's records before this one, and later copies of them
  // (which the dedup index skips now, but a rebuild from the redacted log
  // would not know to skip).
  // A replay of this record (its commit below keeps the checkpoint here)
  // finds the device's events gone: the marker it wrote the first time,
  // with the erased ids, stays.
  std::string stored_marker;
  UM_ASSIGN_OR_RETURN(
      bool marked,
      store_->Get(store::Table::kMeta, ErasureMarkerKey(app, erasure.device_id), &stored_marker));
  if (!(marked && stored_marker.compare(0, 8, marker, 0, 8) == 0)) {
    batch_.Put(store::Table::kMeta, ErasureMarkerKey(app, erasure.device_id), marker);
  }
  ++stats_.erasures;
  // Committed now, with the checkpoint still at the erasure: events after it
  // in this batch must find the device gone in the store, not its old state
  // (reads of a device this batch has not touched go to the store). A crash
  // before the next commit applies the erasure again, which finds nothing
  // left to remove.
  return Commit(offset);
}

Status EventProcessor::UncountEvent(const EventView& event, uint64_t offset,
                                    const store::DeviceInstall* install,
                                    const AppSettings& settings) {
  const int64_t day = store::DayOfMs(event.timestamp_ms);
  const bool is_install = install != nullptr && install->seq == offset;
  const bool organic =
      install == nullptr || install->match == static_cast<uint8_t>(MatchType::kOrganic);
  analytics::StatsRow delta;  // the device stays in the day's sketch: it cannot be removed
  delta.events = -1;
  delta.installs = is_install ? -1 : 0;
  delta.revenue = -event.revenue;
  rollups_.AddEventStats(event.app_id, day, event.event_type, NamesOf(install), delta);

  if (is_install) {
    store::RollupCounters counters;
    switch (static_cast<MatchType>(install->match)) {
      case MatchType::kDeterministic:
        counters.deterministic = -1;
        break;
      case MatchType::kProbabilistic:
        counters.probabilistic = -1;
        break;
      case MatchType::kOrganic:
        counters.organic = -1;
        break;
    }
    AddRollup(event.app_id, CohortChannel(*install), counters);
  }
  if (event.kind() == EventKind::kInApp && event.revenue != 0) {
    store::RollupChannel channel{day, true, "", ""};
    if (!organic) channel = store::RollupChannel{day, false, install->source, install->campaign};
    AddRollup(event.app_id, channel, store::RollupCounters{0, 0, 0, -event.revenue});
  }
  if (install != nullptr) {
    int64_t n = day - store::DayOfMs(install->ts_ms);
    if (n >= 0 && n <= analytics::kMaxCohortDay) {
      rollups_.Cohort(event.app_id, CohortChannel(*install)).Cell(n).revenue -= event.revenue;
    }
  }

  if (event.kind() == EventKind::kClick || event.kind() == EventKind::kImpression) {
    store::DayTouch touch{day, std::string(event.device_id), event.timestamp_ms, offset, {}, {}};
    batch_.Delete(store::Table::kTouchesByDay, store::TouchByDayKey(event.app_id, touch));
    if (!event.ip.empty() && !event.user_agent.empty() && event.kind() == EventKind::kClick) {
      UM_ASSIGN_OR_RETURN(IpUaEntry * entry, LoadIpUa(event.app_id, event.ip, event.user_agent));
      size_t before = entry->clicks.size();
      std::erase_if(entry->clicks, [offset](const store::IpUaClick& c) { return c.seq == offset; });
      if (entry->clicks.size() != before) {
        entry->dirty = true;
        entry->window_ms = settings.probabilistic_window_hours * int64_t{3'600'000};
      }
    }
  }
  return Status::OK();
}

}  // namespace unmogrowp
