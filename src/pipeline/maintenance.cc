// Pipeline maintenance (pipeline.h, Options::maintenance_interval):
// retention of raw events and device state, then redaction of the event
// log's records that erasures and retention removed from the state.

#include <map>
#include <string>
#include <unordered_set>

#include "core/logging.h"
#include "event/codec.h"
#include "event/log_payload.h"
#include "log/event_log.h"
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
            "erasures completed",
            done.events_expired, done.devices_expired, done.records_redacted,
            done.erasures_completed);
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
  // erasure records themselves, and events past their app's retention.
  UM_ASSIGN_OR_RETURN(auto markers, ErasureMarkers(*options_.store));
  std::erase_if(markers, [checkpoint](const auto& m) { return m.second.offset >= checkpoint; });
  if (options_.redact_log) {
    auto redact = [&](const LogRecord& record) {
      switch (KindOfPayload(record.payload)) {
        case PayloadKind::kEvent: {
          EventView event;
          if (!DecodeEncoded(record.payload, &event).ok()) return false;
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
          auto marker = markers.find(store::DeviceKey(erasure.app_id, erasure.device_id));
          return marker != markers.end() && record.offset <= marker->second.offset;
        }
        default:
          return false;
      }
    };
    UM_ASSIGN_OR_RETURN(report.records_redacted,
                        options_.redact_log(checkpoint, /*roll=*/!markers.empty(), redact));
  }
  store::StateStore::WriteBatch batch = options_.store->NewWriteBatch();
  if (options_.redact_log) {
    // Every record before the checkpoint was sealed (rolled) and redacted.
    for (const auto& [device_key, marker] : markers) {
      batch.Delete(store::Table::kMeta, std::string(kErasureMarkerPrefix) + device_key);
    }
    report.erasures_completed = markers.size();
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

}  // namespace unmogrowp
