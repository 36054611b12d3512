// EventProcessor::ApplyAppDeletion (event_processor.h): removes every row of
// one app from the derived state and marks the app deleted.

#include "pipeline/event_processor.h"
#include "store/bytes.h"
#include "store/keys.h"

namespace unmogrowp {

std::string DeletedAppKey(std::string_view app_id) {
  std::string key(kDeletedAppPrefix);
  key += app_id;
  return key;
}

std::string EncodeDeletedAppMarker(const DeletedAppMarker& marker) {
  std::string value;
  store::PutBigEndian64(marker.offset, &value);
  value.push_back(marker.log_redacted ? 1 : 0);
  return value;
}

Result<DeletedAppMarker> DecodeDeletedAppMarker(std::string_view value) {
  store::ByteReader reader(value);
  DeletedAppMarker marker;
  marker.offset = reader.BigEndian64();
  if (!reader.ok() || value.size() != 9 || (value[8] != 0 && value[8] != 1)) {
    return Status::Corruption("deleted-app marker is malformed");
  }
  marker.log_redacted = value[8] == 1;
  return marker;
}

Status EventProcessor::ApplyAppDeletion(const AppDeletionRecord& deletion, uint64_t offset) {
  // Everything before the deletion goes to the store first: what this batch
  // holds in memory for the app (devices, rollup deltas) would otherwise be
  // written back after the ranges below are deleted.
  UM_RETURN_IF_ERROR(Commit(offset));
  if (app_deleted_) {
    Status removed = app_deleted_(deletion.app_id);
    if (!removed.ok() && removed.code() != StatusCode::kNotFound) return removed;
  }

  // Every table but kMeta is keyed by the app first (store/keys.h).
  const std::string app = store::AppPrefix(deletion.app_id);
  const std::string app_end = store::PrefixEnd(app);
  for (int t = 0; t < static_cast<int>(store::Table::kCount); ++t) {
    const auto table = static_cast<store::Table>(t);
    if (table == store::Table::kMeta) continue;
    batch_.DeleteRange(table, app, app_end);
  }
  // The app's erasure markers: its records all go now, erasure records
  // included (maintenance.cc).
  std::string erasures(kErasureMarkerPrefix);
  erasures += app;
  batch_.DeleteRange(store::Table::kMeta, erasures, store::PrefixEnd(erasures));
  batch_.Put(store::Table::kMeta, DeletedAppKey(deletion.app_id),
             EncodeDeletedAppMarker({offset, /*log_redacted=*/false}));
  // Later events of the app in this batch see the marker through this.
  settings_[deletion.app_id] = std::nullopt;
  ++stats_.app_deletions;
  return Status::OK();
}

}  // namespace unmogrowp
