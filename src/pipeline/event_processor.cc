#include "pipeline/event_processor.h"

#include <algorithm>
#include <span>
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
// The newest kMaxTouchesPerKey of a list in (ts, seq) order: all that any
// decision uses.
template <typename T>
std::span<const T> Newest(const std::vector<T>& items) {
  std::span<const T> all(items);
  return all.size() > EventProcessor::kMaxTouchesPerKey
             ? all.subspan(all.size() - EventProcessor::kMaxTouchesPerKey)
             : all;
}

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
    store::DeviceTouch touch{event.timestamp_ms,
                             offset,
                             click,
                             std::string(event.source),
                             std::string(event.campaign),
                             std::string(event.event_id)};
    UM_RETURN_IF_ERROR(AddLateTouch(event, touch, settings, device));
    device->state.AddTouch(std::move(touch));
    device->horizon_ms = DeviceHorizonMs(settings);
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
    entry->window_ms = settings.probabilistic_window_hours * kMsPerHour;
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

  std::span<const store::DeviceTouch> touches = Newest(state.touches);
  std::vector<CandidateTouchpoint> own;
  own.reserve(touches.size());
  for (const store::DeviceTouch& t : touches) {
    own.push_back(CandidateTouchpoint{
        t.click ? TouchpointKind::kClick : TouchpointKind::kImpression, t.ts_ms, t.seq, {}, {}});
  }
  IpUaEntry* ip_ua = nullptr;
  std::vector<CandidateTouchpoint> by_ip_ua;
  if (settings.probabilistic && !event.ip.empty() && !event.user_agent.empty()) {
    UM_ASSIGN_OR_RETURN(ip_ua, LoadIpUa(event.app_id, event.ip, event.user_agent));
    std::span<const store::IpUaClick> clicks = Newest(ip_ua->clicks);
    by_ip_ua.reserve(clicks.size());
    for (const store::IpUaClick& c : clicks) {
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
      const store::DeviceTouch& t = touches[match.index];
      install.source = t.source;
      install.campaign = t.campaign;
      install.touch_event_id = t.event_id;
      delta.deterministic = 1;
      break;
    }
    case MatchType::kProbabilistic: {
      const store::IpUaClick& c = Newest(ip_ua->clicks)[match.index];
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
  return RecordConversion(event, offset, settings, device);
}

Status EventProcessor::ApplyInApp(const EventView& event, uint64_t offset,
                                  const AppSettings& settings) {
  UM_ASSIGN_OR_RETURN(Device * device, LoadDevice(event.app_id, event.device_id));
  UM_RETURN_IF_ERROR(RecordConversion(event, offset, settings, device));
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

namespace {

bool Before(int64_t a_ts, uint64_t a_seq, int64_t b_ts, uint64_t b_seq) {
  return a_ts != b_ts ? a_ts < b_ts : a_seq < b_seq;
}

// The first recent conversion of `type` after (ts, seq), or nullptr.
const store::RecentConversion* NextConversion(const store::DeviceState& state,
                                              std::string_view type, int64_t ts, uint64_t seq) {
  for (const store::RecentConversion& c : state.recent_conversions) {
    if (c.event_type == type && Before(ts, seq, c.ts_ms, c.seq)) return &c;
  }
  return nullptr;
}

}  // namespace

Result<store::ConversionRecord*> EventProcessor::LoadConversion(const std::string& key) {
  auto it = conversions_.find(key);
  if (it != conversions_.end()) return &it->second;
  std::string value;
  UM_ASSIGN_OR_RETURN(bool found, store_->Get(store::Table::kConversions, key, &value));
  if (!found) {
    return Status::Corruption("pipeline: a device's recent conversion has no conversion record");
  }
  UM_ASSIGN_OR_RETURN(store::ConversionRecord record, store::DecodeConversionRecord(value));
  return &conversions_.emplace(key, std::move(record)).first->second;
}

Status EventProcessor::RecordConversion(const EventView& event, uint64_t offset,
                                        const AppSettings& settings, Device* device) {
  store::DeviceState& state = device->state;
  const int64_t ts = event.timestamp_ms;
  const int64_t lookback_ms = settings.mta_lookback_days * 24 * kMsPerHour;

  // P: the device's conversion of this type right before this one. Usually
  // the last one; for a late arrival, the latest recent one before it.
  const store::LastConversion* last = state.FindLastConversion(event.event_type);
  bool late = last != nullptr && Before(ts, offset, last->ts_ms, last->seq);
  bool has_previous = false;
  int64_t previous_ts = 0;
  uint64_t previous_seq = 0;
  if (!late && last != nullptr) {
    has_previous = true;
    previous_ts = last->ts_ms;
    previous_seq = last->seq;
  } else if (late) {
    for (const store::RecentConversion& c : state.recent_conversions) {
      if (c.event_type != event.event_type || !Before(c.ts_ms, c.seq, ts, offset)) continue;
      has_previous = true;
      previous_ts = c.ts_ms;
      previous_seq = c.seq;
    }
  }

  store::ConversionRecord record;
  record.device_id = std::string(event.device_id);
  record.revenue = event.revenue;
  // Every touch here was received before this event (seq < offset), so "at
  // or before the conversion" reduces to ts <= its ts.
  for (const store::DeviceTouch& t : Newest(state.touches)) {
    if (has_previous && Before(t.ts_ms, t.seq, previous_ts, previous_seq)) continue;
    int64_t age = ts - t.ts_ms;
    if (age < 0 || age > lookback_ms) continue;
    record.path.push_back(store::PathTouch{t.ts_ms, t.source, t.campaign});
  }

  if (late) {
    // This conversion now cuts the path of the next one of its type: every
    // touch it holds was received before this event, so those at or before
    // this timestamp now belong before this conversion.
    const store::RecentConversion* next = NextConversion(state, event.event_type, ts, offset);
    if (next != nullptr) {
      UM_ASSIGN_OR_RETURN(store::ConversionRecord * next_record,
                          LoadConversion(store::ConversionKey(event.app_id, event.event_type,
                                                              next->ts_ms, next->seq)));
      std::erase_if(next_record->path, [ts](const store::PathTouch& t) { return t.ts_ms <= ts; });
    }
  }

  conversions_[store::ConversionKey(event.app_id, event.event_type, ts, offset)] =
      std::move(record);
  batch_.Put(
      store::Table::kDeviceConversions,
      store::DeviceConversionKey(event.app_id, event.device_id, event.event_type, ts, offset), {});
  if (!late) state.SetLastConversion(event.event_type, ts, offset);
  state.AddRecentConversion(store::RecentConversion{std::string(event.event_type), ts, offset});
  device->horizon_ms = DeviceHorizonMs(settings);
  device->dirty = true;
  return Status::OK();
}

Status EventProcessor::AddLateTouch(const EventView& event, const store::DeviceTouch& touch,
                                    const AppSettings& settings, Device* device) {
  const store::DeviceState& state = device->state;
  // In-order data (the common case) has no conversion after a new touch.
  if (state.recent_conversions.empty() || state.recent_conversions.back().ts_ms < touch.ts_ms) {
    return Status::OK();
  }
  const int64_t lookback_ms = settings.mta_lookback_days * 24 * kMsPerHour;
  std::vector<std::string_view> types_done;
  for (const store::RecentConversion& c : state.recent_conversions) {
    if (std::find(types_done.begin(), types_done.end(), c.event_type) != types_done.end()) {
      continue;
    }
    types_done.push_back(c.event_type);
    // The touch arrived after every conversion here, so it precedes one only
    // with a strictly earlier timestamp.
    const store::RecentConversion* next =
        NextConversion(state, c.event_type, touch.ts_ms, touch.seq);
    if (next == nullptr || next->ts_ms - touch.ts_ms > lookback_ms) continue;
    UM_ASSIGN_OR_RETURN(store::ConversionRecord * record,
                        LoadConversion(store::ConversionKey(event.app_id, next->event_type,
                                                            next->ts_ms, next->seq)));
    // After every touch of its timestamp: it was received after them.
    auto at = std::upper_bound(record->path.begin(), record->path.end(), touch.ts_ms,
                               [](int64_t ts, const store::PathTouch& t) { return ts < t.ts_ms; });
    record->path.insert(at, store::PathTouch{touch.ts_ms, touch.source, touch.campaign});
  }
  return Status::OK();
}

void EventProcessor::AddRollup(std::string_view app_id, const store::RollupChannel& channel,
                               const store::RollupCounters& delta) {
  rollup_deltas_[store::RollupKey(app_id, channel)].Add(delta);
}

Status EventProcessor::Commit(uint64_t next_offset) {
  for (auto& [key, device] : devices_) {
    if (!device.dirty) continue;
    // horizon_ms is set whenever either list grew in this batch (never 0:
    // the MTA lookback is at least a day).
    if (device.horizon_ms > 0) {
      Prune(&device.state.touches, device.horizon_ms, kMaxTouchesPerKey);
      Prune(&device.state.recent_conversions, device.horizon_ms, kMaxTouchesPerKey);
    }
    batch_.Put(store::Table::kDevices, key, store::EncodeDeviceState(device.state));
  }
  for (auto& [key, entry] : ip_ua_) {
    if (!entry.dirty) continue;
    Prune(&entry.clicks, entry.window_ms, kMaxTouchesPerKey);
    batch_.Put(store::Table::kClicksByIpUa, key, EncodeIpUaClicks(entry.clicks));
  }
  for (auto& [key, record] : conversions_) {
    batch_.Put(store::Table::kConversions, key, store::EncodeConversionRecord(record));
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
  conversions_.clear();
  pending_events_ = 0;
}

}  // namespace unmogrowp
