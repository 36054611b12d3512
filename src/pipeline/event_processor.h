#pragma once

// EventProcessor: applies event-log records, in log order, to the derived
// state -- dedup, per-device touchpoints and install attribution
// (ATTRIBUTION.md), the probabilistic-match index, the install rollups and
// each device's event list -- and commits everything it changed together
// with the log checkpoint in one atomic store write.
//
// Between Commits the changes live in memory (reads see them: two copies of
// an event in one batch still count once); nothing reaches the store until
// Commit. After a crash the store holds the state of the last Commit and its
// checkpoint, so replaying the log from that checkpoint neither loses nor
// double-counts anything.
//
// An erasure record (event/log_payload.h) commits what came before it, then
// removes the device's events, state and conversion paths, subtracts its
// events from every rollup (its devices sketches keep it: a sketch cannot
// forget), leaves an erasure marker for log maintenance, and commits again
// (checkpoint still at the erasure, which a replay applies again to no
// effect), so later events of the batch see the device gone.
//
// An app-deletion record commits what came before it, then deletes every
// row of the app in every table and leaves a deleted-app marker: from then
// on the app's events are skipped (Stats::unknown_app), wherever they are in
// the log, and log maintenance redacts its records.
//
// Settings are read once per app per batch through `settings`, so a PATCH
// applies to events processed after the next Commit. The events of an app
// it does not know (NotFound: never registered, or deleted) are skipped.
//
// Not thread-safe: one pipeline thread owns it.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analytics/rollup_batch.h"
#include "core/result.h"
#include "core/status.h"
#include "event/event.h"
#include "event/log_payload.h"
#include "meta/app.h"
#include "store/device_state.h"
#include "store/install_rollup.h"
#include "store/ip_ua_clicks.h"
#include "store/journey_records.h"
#include "store/state_store.h"

namespace unmogrowp {

class StateMirror;

// kMeta keys "erase/" + DeviceKey(app, device) -> big-endian offset of the
// erasure record, then the erased event ids (each length-prefixed): devices
// whose records before that offset, and copies of those events, the event
// log still has to redact.
inline constexpr std::string_view kErasureMarkerPrefix = "erase/";
std::string ErasureMarkerKey(std::string_view app_id, std::string_view device_id);

// kMeta keys "deleted_app/" + app id -> big-endian offset of the (last)
// app-deletion record, then one byte: 0 while the app's records before it
// are still in the event log, 1 once maintenance redacted them. Kept for
// good: the app's events are skipped wherever they are in the log.
inline constexpr std::string_view kDeletedAppPrefix = "deleted_app/";
std::string DeletedAppKey(std::string_view app_id);
struct DeletedAppMarker {
  uint64_t offset = 0;        // of the app-deletion record
  bool log_redacted = false;  // maintenance wiped the app's records before it
};
std::string EncodeDeletedAppMarker(const DeletedAppMarker& marker);
Result<DeletedAppMarker> DecodeDeletedAppMarker(std::string_view value);

class EventProcessor {
 public:
  // The current settings of an app; NotFound for an unknown (or deleted)
  // app, whose events are then skipped. Another error pauses processing.
  using SettingsLookup = std::function<Result<AppSettings>(std::string_view app_id)>;
  // Called when an app-deletion record is applied, before the Commit that
  // covers it (so at least once per record: again when it is replayed after
  // a crash): removes the app from the metadata store, NotFound counting as
  // done. An error fails the Apply.
  using AppDeleted = std::function<Status(std::string_view app_id)>;

  // At most this many touchpoints are kept per device, and per (ip, user
  // agent) pair, beyond the time windows: a device or address that sends
  // clicks by the million keeps its newest ones only, so state stays bounded.
  static constexpr size_t kMaxTouchesPerKey = 1000;

  struct Stats {
    uint64_t applied = 0;        // events applied
    uint64_t duplicates = 0;     // copies of an event already applied, skipped
    uint64_t erasures = 0;       // erasure records applied
    uint64_t unknown_app = 0;    // events of an unknown or deleted app, skipped
    uint64_t app_deletions = 0;  // app-deletion records applied
    uint64_t index_copies = 0;   // index copies of clicks added to the IP + UA index
  };

  // `app_deleted` and `mirror` may be null. `mirror` (not owned; outlives
  // the processor) receives each commit's writes to its tables before the
  // store does (pipeline/state_mirror.h); its error fails the commit.
  EventProcessor(store::StateStore* store, SettingsLookup settings,
                 AppDeleted app_deleted = nullptr, StateMirror* mirror = nullptr);

  // Applies the encoded event `payload` found at log `offset`. Corruption
  // when the payload does not decode (the log checks CRCs, so that is a bug
  // or damage the CRC missed); IOError from the store.
  Status Apply(std::string_view payload, uint64_t offset);

  // Writes every change since the last Commit and `next_offset` (the log
  // offset to resume from) in one atomic batch. Either way the changes are
  // gone from memory afterwards: after an error, replay the log from the
  // store's Checkpoint().
  Status Commit(uint64_t next_offset);

  // Drops every change since the last Commit (after an Apply error: replay
  // from the store's Checkpoint()).
  void Reset();

  struct RetentionStats {
    uint64_t events = 0;   // device-event index entries removed
    uint64_t devices = 0;  // device states removed
  };
  // Removes the app's raw events, touches, conversion paths and index
  // entries with a timestamp before `cutoff_day` (UTC day number), and the
  // state of devices with no event since; rollups stay. Commits (in pieces,
  // with `checkpoint` unchanged). Call only between batches.
  Status ApplyRetention(std::string_view app_id, int64_t cutoff_day, uint64_t checkpoint,
                        RetentionStats* stats);

  // Events applied since the last Commit.
  size_t pending_events() const { return pending_events_; }
  const Stats& stats() const { return stats_; }

 private:
  // Touch lists are pruned (to their horizon and kMaxTouchesPerKey) when
  // the batch commits, not per event -- per event it cost a shift of up to
  // a thousand entries; meanwhile every use reads only the newest
  // kMaxTouchesPerKey, so results do not depend on where batches end.
  struct Device {
    store::DeviceState state;
    bool dirty = false;
    int64_t horizon_ms = 0;  // for the touches and recent conversions
  };
  struct IpUaEntry {
    std::vector<store::IpUaClick> clicks;
    bool dirty = false;
    int64_t window_ms = 0;
  };
  // A conversion record read or written in this batch (kConversions key).
  using ConversionMap = std::unordered_map<std::string, store::ConversionRecord>;

  Result<bool> IsDuplicate(const EventView& event, uint64_t offset);
  // Null for an app that is unknown or deleted.
  Result<const AppSettings*> SettingsFor(std::string_view app_id);
  Result<Device*> LoadDevice(std::string_view app_id, std::string_view device_id);
  Result<IpUaEntry*> LoadIpUa(std::string_view app_id, std::string_view ip,
                              std::string_view user_agent);
  Status ApplyTouchpoint(const EventView& event, uint64_t offset, const AppSettings& settings);
  // An index copy (event/log_payload.h): the click goes into the IP + UA
  // index only, once (a copy of a click already there is skipped).
  Status ApplyIndexCopy(std::string_view encoded_event, uint64_t offset);
  Status AddIpUaClick(const EventView& event, uint64_t offset, const AppSettings& settings);
  Status ApplyInstall(const EventView& event, uint64_t offset, const AppSettings& settings,
                      bool* first_install);
  Status ApplyErasure(const ErasureRecord& erasure, uint64_t offset);
  Status ApplyAppDeletion(const AppDeletionRecord& deletion, uint64_t offset);
  // Daily stats and cohorts (event_counting.cc). CountEvent runs after the
  // event's type-specific step; `device` is null without a device id.
  void CountEvent(const EventView& event, bool first_install, Device* device);
  void AddToCohort(std::string_view app_id, int64_t day, double revenue, Device* device);
  // Right after a device's first install is attributed: moves what it sent
  // before (pending_days) to its channel and cohort.
  void MovePendingToInstall(std::string_view app_id, std::string_view device_id, Device* device);
  // The erased device's `event` out of every rollup; `install` is the
  // device's (null: none).
  Status UncountEvent(const EventView& event, uint64_t offset, const store::DeviceInstall* install,
                      const AppSettings& settings);
  static analytics::ChannelNames NamesOf(const store::DeviceInstall* install);
  static store::RollupChannel CohortChannel(const store::DeviceInstall& install);
  Status ApplyInApp(const EventView& event, uint64_t offset, const AppSettings& settings);
  // Stores `event` as a conversion of its type with its materialized
  // multi-touch path (ATTRIBUTION.md). When it arrives after a conversion of
  // its type with a later timestamp, it cuts that one's path.
  Status RecordConversion(const EventView& event, uint64_t offset, const AppSettings& settings,
                          Device* device);
  // A touchpoint that arrives after a conversion with a later timestamp
  // joins that conversion's path (the first of each type after it, within
  // the lookback).
  Status AddLateTouch(const EventView& event, const store::DeviceTouch& touch,
                      const AppSettings& settings, Device* device);
  Result<store::ConversionRecord*> LoadConversion(std::string key);
  // The batch's value for `key` in `batch_values`, else the store's (read
  // from `table` with `decode`; when absent, a default value, or Corruption
  // with the message `missing` if that is not null), kept in `batch_values`
  // for the rest of the batch.
  template <typename T, typename Decode>
  Result<T*> ReadThrough(std::unordered_map<std::string, T>& batch_values, store::Table table,
                         std::string key, const char* missing, Decode decode);
  void AddRollup(std::string_view app_id, const store::RollupChannel& channel,
                 const store::RollupCounters& delta);

  store::StateStore* store_;
  SettingsLookup settings_lookup_;
  AppDeleted app_deleted_;
  StateMirror* mirror_;
  // This batch's writes to the mirror's tables (recorded by batch_).
  std::vector<store::StoreWrite> mirror_writes_;
  store::StateStore::WriteBatch batch_;
  std::unordered_set<std::string> new_event_keys_;
  // Per app: its settings, or nullopt when it is unknown or deleted.
  std::unordered_map<std::string, std::optional<AppSettings>> settings_;
  std::unordered_map<std::string, Device> devices_;
  std::unordered_map<std::string, IpUaEntry> ip_ua_;
  std::map<std::string, store::RollupCounters> rollup_deltas_;
  analytics::RollupBatch rollups_;
  ConversionMap conversions_;
  size_t pending_events_ = 0;
  Stats stats_;
};

}  // namespace unmogrowp
