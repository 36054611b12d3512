#include "pipeline/event_processor.h"

#include <algorithm>
#include <utility>

#include "attribution/install_match.h"
#include "event/codec.h"
#include "store/bytes.h"
#include "store/journey_records.h"
#include "store/keys.h"

namespace unmogrowp {

namespace {

constexpr int64_t kMsPerHour = 3'600'000;

// Drops touches older than `horizon_ms` before the newest one, then the
// oldest beyond `max_count`. `items` is in (ts, seq) order.
template <typename T>
void Prune(std::vector<T>* items, int64_t horizon_ms, size_t max_count) {
  if (items->empty()) return;
  int64_t newest = items->back().ts_ms;
  auto keep_from = std::find_if(items->begin(), items->end(),
                                [&](const T& t) { return newest - t.ts_ms <= horizon_ms; });
  size_t drop = static_cast<size_t>(keep_from - items->begin());
  if (items->size() - drop > max_count) drop = items->size() - max_count;
  items->erase(items->begin(), items->begin() + static_cast<ptrdiff_t>(drop));
}

// How long a device's touchpoints stay useful: the widest window that can
// still reach them (install lookbacks, the multi-touch lookback).
int64_t DeviceHorizonMs(const AppSettings& s) {
  int64_t hours =
      std::max({s.click_lookback_hours, s.impression_lookback_hours, s.mta_lookback_days * 24});
  return hours * kMsPerHour;
}

}  // namespace

EventProcessor::EventProcessor(store::StateStore* store, SettingsLookup settings)
    : store_(store), settings_lookup_(std::move(settings)), batch_(store->NewWriteBatch()) {}

Status EventProcessor::Apply(std::string_view payload, uint64_t offset) {
  EventView event;
  Status decoded = DecodeEncoded(payload, &event);
  if (!decoded.ok()) {
    return Status::Corruption("pipeline: the log record at offset " + std::to_string(offset) +
                              " is not an event: " + decoded.message());
  }
  UM_ASSIGN_OR_RETURN(bool duplicate, IsDuplicate(event, offset));
  if (duplicate) {
    ++stats_.duplicates;
    return Status::OK();
  }
  UM_ASSIGN_OR_RETURN(const AppSettings* settings, SettingsFor(event.app_id));
  switch (event.kind()) {
    case EventKind::kClick:
    case EventKind::kImpression:
      UM_RETURN_IF_ERROR(ApplyTouchpoint(event, offset, *settings));
      break;
    case EventKind::kInstall:
      UM_RETURN_IF_ERROR(ApplyInstall(event, offset, *settings));
      break;
    case EventKind::kInApp:
      UM_RETURN_IF_ERROR(ApplyInApp(event, offset, *settings));
      break;
  }
  if (!event.device_id.empty()) {
    batch_.Put(store::Table::kDeviceEvents,
               store::DeviceEventKey(event.app_id, event.device_id, offset), payload);
  }
  ++pending_events_;
  ++stats_.applied;
  return Status::OK();
}

Result<bool> EventProcessor::IsDuplicate(const EventView& event, uint64_t offset) {
  std::string key = store::DedupKey(event.app_id, event.event_id);
  if (new_event_keys_.count(key) != 0) return true;
  std::string ignored;
  UM_ASSIGN_OR_RETURN(bool stored, store_->Get(store::Table::kDedup, key, &ignored));
  if (stored) return true;
  std::string value;
  store::PutBigEndian64(offset, &value);
  batch_.Put(store::Table::kDedup, key, value);
  new_event_keys_.insert(std::move(key));
  return false;
}

Result<const AppSettings*> EventProcessor::SettingsFor(std::string_view app_id) {
  auto it = settings_.find(std::string(app_id));
  if (it != settings_.end()) return &it->second;
  Result<AppSettings> looked_up = settings_lookup_(app_id);
  AppSettings settings;
  if (looked_up.ok()) {
    settings = *looked_up;
  } else if (looked_up.status().code() != StatusCode::kNotFound) {
    return looked_up.status();
  }
  return &settings_.emplace(std::string(app_id), settings).first->second;
}

Result<EventProcessor::Device*> EventProcessor::LoadDevice(std::string_view app_id,
                                                           std::string_view device_id) {
  std::string key = store::DeviceKey(app_id, device_id);
  auto it = devices_.find(key);
  if (it != devices_.end()) return &it->second;
  Device device;
  std::string value;
  UM_ASSIGN_OR_RETURN(bool found, store_->Get(store::Table::kDevices, key, &value));
  if (found) {
    UM_ASSIGN_OR_RETURN(device.state, store::DecodeDeviceState(value));
  }
  return &devices_.emplace(std::move(key), std::move(device)).first->second;
}

Result<EventProcessor::IpUaEntry*> EventProcessor::LoadIpUa(std::string_view app_id,
                                                            std::string_view ip,
                                                            std::string_view user_agent) {
  std::string key = store::IpUaKey(app_id, ip, user_agent);
  auto it = ip_ua_.find(key);
  if (it != ip_ua_.end()) return &it->second;
  IpUaEntry entry;
  std::string value;
  UM_ASSIGN_OR_RETURN(bool found, store_->Get(store::Table::kClicksByIpUa, key, &value));
  if (found) {
    UM_ASSIGN_OR_RETURN(entry.clicks, store::DecodeIpUaClicks(value));
  }
  return &ip_ua_.emplace(std::move(key), std::move(entry)).first->second;
}

Status EventProcessor::ApplyTouchpoint(const EventView& event, uint64_t offset,
                                       const AppSettings& settings) {
  bool click = event.kind() == EventKind::kClick;
  if (!event.device_id.empty()) {
    UM_ASSIGN_OR_RETURN(Device * device, LoadDevice(event.app_id, event.device_id));
    device->state.AddTouch(
        store::DeviceTouch{event.timestamp_ms, offset, click, std::string(event.source),
                           std::string(event.campaign), std::string(event.event_id)});
    Prune(&device->state.touches, DeviceHorizonMs(settings), kMaxTouchesPerKey);
    device->dirty = true;
    store::DayTouch day_touch{store::DayOfMs(event.timestamp_ms),
                              std::string(event.device_id),
                              event.timestamp_ms,
                              offset,
                              std::string(event.source),
                              std::string(event.campaign)};
    batch_.Put(store::Table::kTouchesByDay, store::TouchByDayKey(event.app_id, day_touch),
               store::TouchByDayValue(day_touch));
  }
  if (click && !event.ip.empty() && !event.user_agent.empty()) {
    UM_ASSIGN_OR_RETURN(IpUaEntry * entry, LoadIpUa(event.app_id, event.ip, event.user_agent));
    store::IpUaClick c{event.timestamp_ms, offset, std::string(event.source),
                       std::string(event.campaign), std::string(event.event_id)};
    auto before = [](const store::IpUaClick& a, const store::IpUaClick& b) {
      return a.ts_ms != b.ts_ms ? a.ts_ms < b.ts_ms : a.seq < b.seq;
    };
    entry->clicks.insert(std::upper_bound(entry->clicks.begin(), entry->clicks.end(), c, before),
                         std::move(c));
    Prune(&entry->clicks, settings.probabilistic_window_hours * kMsPerHour, kMaxTouchesPerKey);
    entry->dirty = true;
  }
  return Status::OK();
}

Status EventProcessor::ApplyInstall(const EventView& event, uint64_t offset,
                                    const AppSettings& settings) {
  UM_ASSIGN_OR_RETURN(Device * device, LoadDevice(event.app_id, event.device_id));
  store::DeviceState& state = device->state;
  // A reinstall neither counts nor changes the device's attribution.
  if (state.install) return Status::OK();

  std::vector<CandidateTouchpoint> own;
  own.reserve(state.touches.size());
  for (const store::DeviceTouch& t : state.touches) {
    own.push_back(CandidateTouchpoint{
        t.click ? TouchpointKind::kClick : TouchpointKind::kImpression, t.ts_ms, t.seq, {}, {}});
  }
  IpUaEntry* ip_ua = nullptr;
  std::vector<CandidateTouchpoint> by_ip_ua;
  if (settings.probabilistic && !event.ip.empty() && !event.user_agent.empty()) {
    UM_ASSIGN_OR_RETURN(ip_ua, LoadIpUa(event.app_id, event.ip, event.user_agent));
    by_ip_ua.reserve(ip_ua->clicks.size());
    for (const store::IpUaClick& c : ip_ua->clicks) {
      by_ip_ua.push_back(
          CandidateTouchpoint{TouchpointKind::kClick, c.ts_ms, c.seq, event.ip, event.user_agent});
    }
  }
  InstallMatchSettings match_settings{settings.click_lookback_hours,
                                      settings.impression_lookback_hours, settings.probabilistic,
                                      settings.probabilistic_window_hours};
  InstallMatch match =
      MatchInstall(InstallEvent{event.timestamp_ms, offset, event.ip, event.user_agent}, own,
                   by_ip_ua, match_settings);

  store::DeviceInstall install;
  install.ts_ms = event.timestamp_ms;
  install.seq = offset;
  install.match = static_cast<uint8_t>(match.match);
  store::RollupChannel channel{store::DayOfMs(event.timestamp_ms), false, "", ""};
  store::RollupCounters delta;
  switch (match.match) {
    case MatchType::kDeterministic: {
      const store::DeviceTouch& t = state.touches[match.index];
      install.source = t.source;
      install.campaign = t.campaign;
      install.touch_event_id = t.event_id;
      delta.deterministic = 1;
      break;
    }
    case MatchType::kProbabilistic: {
      const store::IpUaClick& c = ip_ua->clicks[match.index];
      install.source = c.source;
      install.campaign = c.campaign;
      install.touch_event_id = c.event_id;
      delta.probabilistic = 1;
      break;
    }
    case MatchType::kOrganic:
      channel.organic = true;
      delta.organic = 1;
      break;
  }
  channel.source = install.source;
  channel.campaign = install.campaign;
  AddRollup(event.app_id, channel, delta);

  // In-app revenue sent before the install was counted as organic ("no
  // install"); it belongs to the channel the install is attributed to.
  if (match.match != MatchType::kOrganic) {
    for (const store::PendingRevenue& p : state.pending_revenue) {
      AddRollup(event.app_id, store::RollupChannel{p.day, true, "", ""},
                store::RollupCounters{0, 0, 0, -p.revenue});
      AddRollup(event.app_id, store::RollupChannel{p.day, false, install.source, install.campaign},
                store::RollupCounters{0, 0, 0, p.revenue});
    }
  }
  state.pending_revenue.clear();
  state.install = std::move(install);
  RecordConversion(event, offset, settings, device);
  return Status::OK();
}

Status EventProcessor::ApplyInApp(const EventView& event, uint64_t offset,
                                  const AppSettings& settings) {
  UM_ASSIGN_OR_RETURN(Device * device, LoadDevice(event.app_id, event.device_id));
  RecordConversion(event, offset, settings, device);
  if (event.revenue == 0) return Status::OK();
  store::DeviceState& state = device->state;
  int64_t day = store::DayOfMs(event.timestamp_ms);
  store::RollupCounters delta{0, 0, 0, event.revenue};
  if (state.install && state.install->match != static_cast<uint8_t>(MatchType::kOrganic)) {
    AddRollup(event.app_id,
              store::RollupChannel{day, false, state.install->source, state.install->campaign},
              delta);
    return Status::OK();
  }
  AddRollup(event.app_id, store::RollupChannel{day, true, "", ""}, delta);
  if (!state.install) {
    state.AddPendingRevenue(day, event.revenue);
    device->dirty = true;
  }
  return Status::OK();
}

void EventProcessor::RecordConversion(const EventView& event, uint64_t offset,
                                      const AppSettings& settings, Device* device) {
  store::DeviceState& state = device->state;
  const store::LastConversion* previous = state.FindLastConversion(event.event_type);
  const int64_t lookback_ms = settings.mta_lookback_days * 24 * kMsPerHour;
  store::ConversionRecord record;
  record.device_id = std::string(event.device_id);
  record.revenue = event.revenue;
  // Every touch here was received before this event (seq < offset), so "at
  // or before the conversion" reduces to ts <= its ts; "after the previous
  // conversion" is (ts, seq) order.
  for (const store::DeviceTouch& t : state.touches) {
    if (previous != nullptr &&
        (t.ts_ms < previous->ts_ms || (t.ts_ms == previous->ts_ms && t.seq < previous->seq))) {
      continue;
    }
    int64_t age = event.timestamp_ms - t.ts_ms;
    if (age < 0 || age > lookback_ms) continue;
    record.path.push_back(store::PathTouch{t.ts_ms, t.source, t.campaign});
  }
  batch_.Put(store::Table::kConversions,
             store::ConversionKey(event.app_id, event.event_type, event.timestamp_ms, offset),
             store::EncodeConversionRecord(record));
  batch_.Put(store::Table::kDeviceConversions,
             store::DeviceConversionKey(event.app_id, event.device_id, event.event_type,
                                        event.timestamp_ms, offset),
             {});
  // The latest in (ts, seq) order cuts the next path, whatever the arrival
  // order of the two.
  if (previous == nullptr || event.timestamp_ms > previous->ts_ms ||
      (event.timestamp_ms == previous->ts_ms && offset > previous->seq)) {
    state.SetLastConversion(event.event_type, event.timestamp_ms, offset);
  }
  device->dirty = true;
}

void EventProcessor::AddRollup(std::string_view app_id, const store::RollupChannel& channel,
                               const store::RollupCounters& delta) {
  rollup_deltas_[store::RollupKey(app_id, channel)].Add(delta);
}

Status EventProcessor::Commit(uint64_t next_offset) {
  for (auto& [key, device] : devices_) {
    if (device.dirty) {
      batch_.Put(store::Table::kDevices, key, store::EncodeDeviceState(device.state));
    }
  }
  for (auto& [key, entry] : ip_ua_) {
    if (entry.dirty) batch_.Put(store::Table::kClicksByIpUa, key, EncodeIpUaClicks(entry.clicks));
  }
  std::string value;
  for (auto& [key, delta] : rollup_deltas_) {
    store::RollupCounters total;
    UM_ASSIGN_OR_RETURN(bool found, store_->Get(store::Table::kInstallRollup, key, &value));
    if (found) {
      UM_ASSIGN_OR_RETURN(total, store::DecodeRollupCounters(value));
    }
    total.Add(delta);
    batch_.Put(store::Table::kInstallRollup, key, store::EncodeRollupCounters(total));
  }
  batch_.SetCheckpoint(next_offset);
  Status committed = store_->Commit(&batch_);
  Reset();
  return committed;
}

void EventProcessor::Reset() {
  batch_.Clear();
  new_event_keys_.clear();
  settings_.clear();
  devices_.clear();
  ip_ua_.clear();
  rollup_deltas_.clear();
  pending_events_ = 0;
}

}  // namespace unmogrowp
