#include "pipeline/event_processor.h"

#include <algorithm>
#include <optional>
#include <span>
#include <utility>

#include "analytics/hll.h"
#include "attribution/install_match.h"
#include "event/codec.h"
#include "event/log_payload.h"
#include "event/time_order.h"
#include "pipeline/state_mirror.h"
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

// The newest kMaxTouchesPerKey of a list in (ts, seq) order: all that any
// decision uses.
template <typename T>
std::span<const T> Newest(const std::vector<T>& items) {
  std::span<const T> all(items);
  return all.size() > EventProcessor::kMaxTouchesPerKey
             ? all.subspan(all.size() - EventProcessor::kMaxTouchesPerKey)
             : all;
}

// How long a device's touchpoints stay useful: the widest window that can
// still reach them (install lookbacks, the multi-touch lookback).
int64_t DeviceHorizonMs(const AppSettings& s) {
  int64_t hours =
      std::max({s.click_lookback_hours, s.impression_lookback_hours, s.mta_lookback_days * 24});
  return hours * kMsPerHour;
}

}  // namespace

EventProcessor::EventProcessor(store::StateStore* store, SettingsLookup settings,
                               AppDeleted app_deleted, StateMirror* mirror)
    : store_(store),
      settings_lookup_(std::move(settings)),
      app_deleted_(std::move(app_deleted)),
      mirror_(mirror),
      batch_(store->NewWriteBatch()) {
  if (mirror_ != nullptr) batch_.RecordTo(&mirror_writes_, mirror_->tables());
}

Status EventProcessor::Apply(std::string_view payload, uint64_t offset) {
  switch (KindOfPayload(payload)) {
    case PayloadKind::kEvent:
      break;
    case PayloadKind::kRedacted:
      return Status::OK();  // wiped by erasure or retention: nothing to apply
    case PayloadKind::kErasure: {
      ErasureRecord erasure;
      UM_RETURN_IF_ERROR(DecodeErasure(payload, &erasure));
      return ApplyErasure(erasure, offset);
    }
    case PayloadKind::kAppDeletion: {
      AppDeletionRecord deletion;
      UM_RETURN_IF_ERROR(DecodeAppDeletion(payload, &deletion));
      return ApplyAppDeletion(deletion, offset);
    }
    case PayloadKind::kIndexCopy: {
      Result<std::string_view> inner = IndexCopyEvent(payload);
      if (!inner.ok()) {
        return Status::Corruption("pipeline: the log record at offset " + std::to_string(offset) +
                                  ": " + inner.status().message());
      }
      return ApplyIndexCopy(*inner, offset);
    }
    case PayloadKind::kUnknown:
      return Status::Corruption("pipeline: the log record at offset " + std::to_string(offset) +
                                " has an unknown payload kind");
  }
  EventView event;
  Status decoded = DecodeEncoded(payload, &event);
  if (!decoded.ok()) {
    return Status::Corruption("pipeline: the log record at offset " + std::to_string(offset) +
                              " is not an event: " + decoded.message());
  }
  // Before the dedup index: a deleted app's events leave no row behind.
  UM_ASSIGN_OR_RETURN(const AppSettings* settings, SettingsFor(event.app_id));
  if (settings == nullptr) {
    ++stats_.unknown_app;
    return Status::OK();
  }
  UM_ASSIGN_OR_RETURN(bool duplicate, IsDuplicate(event, offset));
  if (duplicate) {
    ++stats_.duplicates;
    return Status::OK();
  }
  bool first_install = false;
  switch (event.kind()) {
    case EventKind::kClick:
    case EventKind::kImpression:
      UM_RETURN_IF_ERROR(ApplyTouchpoint(event, offset, *settings));
      break;
    case EventKind::kInstall:
      UM_RETURN_IF_ERROR(ApplyInstall(event, offset, *settings, &first_install));
      break;
    case EventKind::kInApp:
      UM_RETURN_IF_ERROR(ApplyInApp(event, offset, *settings));
      break;
  }
  Device* device = nullptr;
  if (!event.device_id.empty()) {
    UM_ASSIGN_OR_RETURN(device, LoadDevice(event.app_id, event.device_id));
    batch_.Put(store::Table::kDeviceEvents,
               store::DeviceEventKey(event.app_id, event.device_id, offset),
               store::DeviceEventValue(event.timestamp_ms));
  }
  batch_.Put(store::Table::kEventsByTime,
             store::EventTimeKey(event.app_id, event.timestamp_ms, offset), payload);
  CountEvent(event, first_install, device);
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
  if (it == settings_.end()) {
    std::optional<AppSettings> settings;
    std::string ignored;
    // The marker is checked too: the app may still be in the metadata store
    // (its deletion is applied here before the API removes it there).
    UM_ASSIGN_OR_RETURN(bool deleted,
                        store_->Get(store::Table::kMeta, DeletedAppKey(app_id), &ignored));
    if (!deleted) {
      Result<AppSettings> looked_up = settings_lookup_(app_id);
      if (looked_up.ok()) {
        settings = *looked_up;
      } else if (looked_up.status().code() != StatusCode::kNotFound) {
        return looked_up.status();
      }
    }
    it = settings_.emplace(std::string(app_id), settings).first;
  }
  return it->second ? &*it->second : nullptr;
}

template <typename T, typename Decode>
Result<T*> EventProcessor::ReadThrough(std::unordered_map<std::string, T>& batch_values,
                                       store::Table table, std::string key, const char* missing,
                                       Decode decode) {
  auto it = batch_values.find(key);
  if (it != batch_values.end()) return &it->second;
  T value;
  std::string bytes;
  UM_ASSIGN_OR_RETURN(bool found, store_->Get(table, key, &bytes));
  if (found) {
    UM_RETURN_IF_ERROR(decode(bytes, &value));
  } else if (missing != nullptr) {
    return Status::Corruption(missing);
  }
  return &batch_values.emplace(std::move(key), std::move(value)).first->second;
}

Result<EventProcessor::Device*> EventProcessor::LoadDevice(std::string_view app_id,
                                                           std::string_view device_id) {
  return ReadThrough(devices_, store::Table::kDevices, store::DeviceKey(app_id, device_id),
                     /*missing=*/nullptr, [](std::string_view bytes, Device* device) {
                       UM_ASSIGN_OR_RETURN(device->state, store::DecodeDeviceState(bytes));
                       return Status::OK();
                     });
}

Result<EventProcessor::IpUaEntry*> EventProcessor::LoadIpUa(std::string_view app_id,
                                                            std::string_view ip,
                                                            std::string_view user_agent) {
  return ReadThrough(ip_ua_, store::Table::kClicksByIpUa, store::IpUaKey(app_id, ip, user_agent),
                     /*missing=*/nullptr, [](std::string_view bytes, IpUaEntry* entry) {
                       UM_ASSIGN_OR_RETURN(entry->clicks, store::DecodeIpUaClicks(bytes));
                       return Status::OK();
                     });
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
    return AddIpUaClick(event, offset, settings);
  }
  return Status::OK();
}

Status EventProcessor::AddIpUaClick(const EventView& event, uint64_t offset,
                                    const AppSettings& settings) {
  UM_ASSIGN_OR_RETURN(IpUaEntry * entry, LoadIpUa(event.app_id, event.ip, event.user_agent));
  store::IpUaClick c{event.timestamp_ms, offset, std::string(event.source),
                     std::string(event.campaign), std::string(event.event_id)};
  InsertInTimeOrder(entry->clicks, std::move(c));
  entry->window_ms = settings.probabilistic_window_hours * kMsPerHour;
  entry->dirty = true;
  return Status::OK();
}

Status EventProcessor::ApplyIndexCopy(std::string_view encoded_event, uint64_t offset) {
  EventView event;
  Status decoded = DecodeEncoded(encoded_event, &event);
  if (!decoded.ok()) {
    return Status::Corruption("pipeline: the index copy at offset " + std::to_string(offset) +
                              " is not an event: " + decoded.message());
  }
  if (event.kind() != EventKind::kClick || event.ip.empty() || event.user_agent.empty()) {
    return Status::OK();
  }
  UM_ASSIGN_OR_RETURN(const AppSettings* settings, SettingsFor(event.app_id));
  if (settings == nullptr) {
    ++stats_.unknown_app;
    return Status::OK();
  }
  // A re-sent click arrives as a second copy: the index keeps one.
  UM_ASSIGN_OR_RETURN(IpUaEntry * entry, LoadIpUa(event.app_id, event.ip, event.user_agent));
  for (const store::IpUaClick& c : entry->clicks) {
    if (c.event_id == event.event_id) return Status::OK();
  }
  ++stats_.index_copies;
  return AddIpUaClick(event, offset, *settings);
}

Status EventProcessor::ApplyInstall(const EventView& event, uint64_t offset,
                                    const AppSettings& settings, bool* first_install) {
  UM_ASSIGN_OR_RETURN(Device * device, LoadDevice(event.app_id, event.device_id));
  store::DeviceState& state = device->state;
  // A reinstall neither counts nor changes the device's attribution.
  if (state.install) return Status::OK();
  *first_install = true;

  std::span<const store::DeviceTouch> touches = Newest(state.touches);
  std::vector<CandidateTouchpoint> own;
  own.reserve(touches.size());
  for (const store::DeviceTouch& t : touches) {
    own.push_back(CandidateTouchpoint{
        t.click ? TouchpointKind::kClick : TouchpointKind::kImpression, t.ts_ms, t.seq, {}, {}});
  }
  std::span<const store::IpUaClick> clicks;
  std::vector<CandidateTouchpoint> by_ip_ua;
  if (settings.probabilistic && !event.ip.empty() && !event.user_agent.empty()) {
    UM_ASSIGN_OR_RETURN(IpUaEntry * ip_ua, LoadIpUa(event.app_id, event.ip, event.user_agent));
    clicks = Newest(ip_ua->clicks);
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
  auto credit = [&install](const auto& winner) {  // a DeviceTouch or an IpUaClick
    install.source = winner.source;
    install.campaign = winner.campaign;
    install.touch_event_id = winner.event_id;
  };
  switch (match.match) {
    case MatchType::kDeterministic:
      credit(touches[match.index]);
      delta.deterministic = 1;
      break;
    case MatchType::kProbabilistic:
      credit(clicks[match.index]);
      delta.probabilistic = 1;
      break;
    case MatchType::kOrganic:
      channel.organic = true;
      delta.organic = 1;
      break;
  }
  channel.source = install.source;
  channel.campaign = install.campaign;
  AddRollup(event.app_id, channel, delta);

  state.install = std::move(install);
  MovePendingToInstall(event.app_id, std::string(event.device_id), device);
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
  return Status::OK();
}

namespace {

// The first recent conversion of `type` after `at`, or nullptr.
const store::RecentConversion* NextConversion(const store::DeviceState& state,
                                              std::string_view type, TimeSeq at) {
  for (const store::RecentConversion& c : state.recent_conversions) {
    if (c.event_type == type && EarlierInTime(at, c)) return &c;
  }
  return nullptr;
}

}  // namespace

Result<store::ConversionRecord*> EventProcessor::LoadConversion(std::string key) {
  return ReadThrough(conversions_, store::Table::kConversions, std::move(key),
                     "pipeline: a device's recent conversion has no conversion record",
                     [](std::string_view bytes, store::ConversionRecord* record) {
                       UM_ASSIGN_OR_RETURN(*record, store::DecodeConversionRecord(bytes));
                       return Status::OK();
                     });
}

Status EventProcessor::RecordConversion(const EventView& event, uint64_t offset,
                                        const AppSettings& settings, Device* device) {
  store::DeviceState& state = device->state;
  const int64_t ts = event.timestamp_ms;
  const TimeSeq self{ts, offset};
  const int64_t lookback_ms = settings.mta_lookback_days * 24 * kMsPerHour;

  // P: the device's conversion of this type right before this one. Usually
  // the last one; for a late arrival, the latest recent one before it.
  const store::LastConversion* last = state.FindLastConversion(event.event_type);
  const bool late = last != nullptr && EarlierInTime(self, *last);
  std::optional<TimeSeq> previous;
  if (!late && last != nullptr) {
    previous = TimeSeq{last->ts_ms, last->seq};
  } else if (late) {
    for (const store::RecentConversion& c : state.recent_conversions) {
      if (c.event_type == event.event_type && EarlierInTime(c, self)) {
        previous = TimeSeq{c.ts_ms, c.seq};
      }
    }
  }

  store::ConversionRecord record;
  record.device_id = std::string(event.device_id);
  record.revenue = event.revenue;
  // Every touch here was received before this event (seq < offset), so "at
  // or before the conversion" reduces to ts <= its ts.
  for (const store::DeviceTouch& t : Newest(state.touches)) {
    if (previous && EarlierInTime(t, *previous)) continue;
    int64_t age = ts - t.ts_ms;
    if (age < 0 || age > lookback_ms) continue;
    record.path.push_back(store::PathTouch{t.ts_ms, t.source, t.campaign});
  }

  if (late) {
    // This conversion now cuts the path of the next one of its type: every
    // touch it holds was received before this event, so those at or before
    // this timestamp now belong before this conversion.
    const store::RecentConversion* next = NextConversion(state, event.event_type, self);
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
        NextConversion(state, c.event_type, TimeSeq{touch.ts_ms, touch.seq});
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
  UM_RETURN_IF_ERROR(rollups_.Flush(*store_, &batch_));
  batch_.SetCheckpoint(next_offset);
  if (mirror_ != nullptr && !mirror_writes_.empty()) {
    Status mirrored = mirror_->Write(mirror_writes_, next_offset);
    if (!mirrored.ok()) {
      Reset();
      return mirrored;
    }
  }
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
  rollups_.Clear();
  conversions_.clear();
  pending_events_ = 0;
}

}  // namespace unmogrowp
