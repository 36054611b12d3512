// Pipeline maintenance (pipeline.h, Options::maintenance_interval):
// retention of raw events and device state, then redaction of the event
// log's records that erasures, app deletions and retention removed from the
// state.

#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "core/logging.h"
#include "event/codec.h"
#include "event/log_payload.h"
#include "log/event_log.h"
#include "log/segmented_log.h"
#include "pipeline/pipeline.h"
#include "store/bytes.h"
#include "store/keys.h"

namespace unmogrowp {

namespace {

constexpr std::string_view kLastMaintenanceKey = "maintenance_ms";

struct ErasureMarker {
  uint64_t offset = 0;                        // of the erasure record
  std::unordered_set<std::string> event_ids;  // the events it erased
};

// Erasure markers by DeviceKey(app, device).
Result<std::map<std::string, ErasureMarker>> ErasureMarkers(const store::StateStore& store) {
  std::map<std::string, ErasureMarker> markers;
  Status status;
  UM_RETURN_IF_ERROR(
      store.Scan(store::Table::kMeta, kErasureMarkerPrefix, store::PrefixEnd(kErasureMarkerPrefix),
                 [&](std::string_view key, std::string_view value) {
                   store::ByteReader reader(value);
                   ErasureMarker marker;
                   marker.offset = reader.BigEndian64();
                   while (reader.ok() && !reader.done()) {
                     marker.event_ids.emplace(reader.LengthPrefixed());
                   }
                   if (!reader.ok()) {
                     status = Status::Corruption("erasure marker is malformed");
                     return false;
                   }
                   markers.emplace(key.substr(kErasureMarkerPrefix.size()), std::move(marker));
                   return true;
                 }));
  UM_RETURN_IF_ERROR(status);
  return markers;
}

// Deleted-app markers by app id.
Result<std::unordered_map<std::string, DeletedAppMarker>> DeletedApps(
    const store::StateStore& store) {
  std::unordered_map<std::string, DeletedAppMarker> deleted;
  Status status;
  UM_RETURN_IF_ERROR(store.Scan(store::Table::kMeta, kDeletedAppPrefix,
                                store::PrefixEnd(kDeletedAppPrefix),
                                [&](std::string_view key, std::string_view value) {
                                  Result<DeletedAppMarker> marker = DecodeDeletedAppMarker(value);
                                  if (!marker.ok()) {
                                    status = marker.status();
                                    return false;
                                  }
                                  deleted.emplace(key.substr(kDeletedAppPrefix.size()), *marker);
                                  return true;
                                }));
  UM_RETURN_IF_ERROR(status);
  return deleted;
}

}  // namespace

void Pipeline::MaybeMaintain() {
  const int64_t now = options_.now_ms();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!maintenance_requested_ && now < next_maintenance_ms_) return;
  }
  Result<MaintenanceReport> report = Maintain();
  MaintenanceReport done = report.ok() ? *report : MaintenanceReport{};
  done.status = report.status();
  done.finished_ms = options_.now_ms();
  if (!report.ok()) {
    Log("pipeline").error("maintenance failed: {}", report.status().ToString());
  } else if (done.events_expired + done.devices_expired + done.records_redacted > 0) {
    Log("pipeline")
        .info(
            "maintenance: {} expired events and {} devices removed, {} log records redacted, {} "
            "erasures and {} app deletions completed",
            done.events_expired, done.devices_expired, done.records_redacted,
            done.erasures_completed, done.app_deletions_completed);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    maintenance_requested_ = false;
    ++maintenance_runs_;
    next_maintenance_ms_ = done.finished_ms + options_.maintenance_interval.count();
    last_maintenance_ = done;
  }
  maintenance_cv_.notify_all();
}

Result<Pipeline::MaintenanceReport> Pipeline::Maintain() {
  MaintenanceReport report;
  const uint64_t checkpoint = committed_offset();
  const int64_t today = store::DayOfMs(options_.now_ms());

  // Retention in the state store, app by app.
  std::map<std::string, int64_t> cutoff_days;  // app id -> first day kept
  if (options_.list_apps) {
    UM_ASSIGN_OR_RETURN(auto apps, options_.list_apps());
    for (const auto& [app_id, retention_days] : apps) {
      int64_t cutoff_day = today - retention_days;
      cutoff_days.emplace(app_id, cutoff_day);
      EventProcessor::RetentionStats stats;
      UM_RETURN_IF_ERROR(processor_.ApplyRetention(app_id, cutoff_day, checkpoint, &stats));
      report.events_expired += stats.events;
      report.devices_expired += stats.devices;
    }
  }

  // The log: wipe the records of erased devices (before their erasure), the
  // erasure records themselves, events past their app's retention, and every
  // record of a deleted app (its events, wherever they are: those after the
  // deletion were skipped, but are still raw data on disk).
  UM_ASSIGN_OR_RETURN(auto markers, ErasureMarkers(*options_.store));
  std::erase_if(markers, [checkpoint](const auto& m) { return m.second.offset >= checkpoint; });
  UM_ASSIGN_OR_RETURN(auto deleted_apps, DeletedApps(*options_.store));
  std::erase_if(deleted_apps,
                [checkpoint](const auto& d) { return d.second.offset >= checkpoint; });
  // Deletions whose records before them may still be in the active segment:
  // it is sealed first. Once done, later runs still redact the app's stray
  // records (events that arrived after the deletion) without a roll.
  size_t pending_deletions = 0;
  for (const auto& [app_id, marker] : deleted_apps) {
    if (!marker.log_redacted) ++pending_deletions;
  }
  auto is_deleted = [&](std::string_view app_id) {
    return !deleted_apps.empty() && deleted_apps.count(std::string(app_id)) != 0;
  };
  if (options_.redact_log) {
    auto redact = [&](const LogRecord& record) {
      switch (KindOfPayload(record.payload)) {
        case PayloadKind::kEvent: {
          EventView event;
          if (!DecodeEncoded(record.payload, &event).ok()) return false;
          if (is_deleted(event.app_id)) return true;
          auto cutoff = cutoff_days.find(std::string(event.app_id));
          if (cutoff != cutoff_days.end() && store::DayOfMs(event.timestamp_ms) < cutoff->second) {
            return true;
          }
          if (event.device_id.empty() || markers.empty()) return false;
          auto marker = markers.find(store::DeviceKey(event.app_id, event.device_id));
          return marker != markers.end() &&
                 (record.offset < marker->second.offset ||
                  marker->second.event_ids.count(std::string(event.event_id)) != 0);
        }
        case PayloadKind::kErasure: {
          ErasureRecord erasure;
          if (!DecodeErasure(record.payload, &erasure).ok()) return false;
          if (is_deleted(erasure.app_id)) return true;
          auto marker = markers.find(store::DeviceKey(erasure.app_id, erasure.device_id));
          return marker != markers.end() && record.offset <= marker->second.offset;
        }
        case PayloadKind::kAppDeletion: {
          // Its work is done and the marker outlives it; a store rebuilt from
          // the redacted log skips the app's remaining events as unknown.
          AppDeletionRecord deletion;
          if (!DecodeAppDeletion(record.payload, &deletion).ok()) return false;
          auto marker = deleted_apps.find(deletion.app_id);
          return marker != deleted_apps.end() && record.offset <= marker->second.offset;
        }
        case PayloadKind::kIndexCopy:  // only in Kafka partitions, which are not redacted here
        case PayloadKind::kRedacted:
        case PayloadKind::kUnknown:
          return false;
      }
      return false;
    };
    const bool roll = !markers.empty() || pending_deletions > 0;
    UM_ASSIGN_OR_RETURN(report.records_redacted, options_.redact_log(checkpoint, roll, redact));
  }
  store::StateStore::WriteBatch batch = options_.store->NewWriteBatch();
  if (options_.redact_log) {
    // Every record before the checkpoint was sealed (rolled) and redacted.
    for (const auto& [device_key, marker] : markers) {
      batch.Delete(store::Table::kMeta, std::string(kErasureMarkerPrefix) + device_key);
    }
    report.erasures_completed = markers.size();
    for (const auto& [app_id, marker] : deleted_apps) {
      if (marker.log_redacted) continue;
      batch.Put(store::Table::kMeta, DeletedAppKey(app_id),
                EncodeDeletedAppMarker({marker.offset, /*log_redacted=*/true}));
    }
    report.app_deletions_completed = pending_deletions;
  }
  UM_RETURN_IF_ERROR(options_.store->Commit(&batch));
  UM_RETURN_IF_ERROR(RecordMaintenanceTime(options_.store, options_.now_ms()));
  return report;
}

Result<Pipeline::MaintenanceReport> Pipeline::RunMaintenance(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t target = maintenance_runs_ + 1;
  maintenance_requested_ = true;
  notified_ = true;
  wake_cv_.notify_one();
  if (!maintenance_cv_.wait_for(lock, timeout,
                                [&] { return maintenance_runs_ >= target || stopping_; }) ||
      maintenance_runs_ < target) {
    return Status::Unavailable("maintenance is still running; it finishes on its own");
  }
  if (!last_maintenance_.status.ok()) return last_maintenance_.status;
  return last_maintenance_;
}

Pipeline::MaintenanceReport Pipeline::last_maintenance() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_maintenance_;
}

Status RecordMaintenanceTime(store::StateStore* store, int64_t ms) {
  store::StateStore::WriteBatch batch = store->NewWriteBatch();
  std::string value;
  store::PutBigEndian64(static_cast<uint64_t>(ms), &value);
  batch.Put(store::Table::kMeta, kLastMaintenanceKey, value);
  return store->Commit(&batch);
}

Result<int64_t> LastMaintenanceMs(const store::StateStore& store) {
  std::string value;
  UM_ASSIGN_OR_RETURN(bool found, store.Get(store::Table::kMeta, kLastMaintenanceKey, &value));
  if (!found) return int64_t{0};
  store::ByteReader reader(value);
  int64_t ms = static_cast<int64_t>(reader.BigEndian64());
  if (!reader.ok() || !reader.done()) return Status::Corruption("maintenance time is malformed");
  return ms;
}

Pipeline::Options::RedactLogFn RedactSegmentedLog(SegmentedLog* log) {
  return [log](uint64_t before_offset, bool roll,
               const std::function<bool(const LogRecord&)>& redact) -> Result<uint64_t> {
    if (roll) UM_RETURN_IF_ERROR(log->Roll());
    UM_ASSIGN_OR_RETURN(SegmentedLog::RedactStats stats, log->Redact(before_offset, redact));
    return stats.records_redacted;
  };
}

}  // namespace unmogrowp
