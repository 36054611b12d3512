// EventProcessor::ApplyRetention (event_processor.h): removes an app's raw
// events and per-device state older than its retention; rollups stay.

#include <optional>

#include "pipeline/event_processor.h"
#include "store/bytes.h"
#include "store/device_state.h"
#include "store/ip_ua_clicks.h"
#include "store/keys.h"

namespace unmogrowp {

namespace {

constexpr int64_t kMsPerDay = 86'400'000;
// Deletes per store commit, so a large first run stays bounded in memory.
constexpr size_t kMaxDeletesPerCommit = 100'000;

}  // namespace

Status EventProcessor::ApplyRetention(std::string_view app_id, int64_t cutoff_day,
                                      uint64_t checkpoint, RetentionStats* stats) {
  const std::string app = store::AppPrefix(app_id);
  const std::string app_end = store::PrefixEnd(app);
  const int64_t cutoff_ms = cutoff_day * kMsPerDay;
  auto maybe_commit = [&]() -> Status {
    if (batch_.count() < kMaxDeletesPerCommit) return Status::OK();
    return Commit(checkpoint);
  };

  // Raw events and touches by day: one range each.
  batch_.DeleteRange(store::Table::kEventsByTime, app, store::EventTimePrefix(app_id, cutoff_ms));
  batch_.DeleteRange(store::Table::kTouchesByDay, app, store::RollupDayPrefix(app_id, cutoff_day));

  // Conversions: one range per event type (keys: app, type, timestamp, ...).
  std::string at = app;
  while (true) {
    std::optional<std::string> type;
    UM_RETURN_IF_ERROR(store_->Scan(store::Table::kConversions, at, app_end,
                                    [&](std::string_view key, std::string_view) {
                                      store::ByteReader reader(key.substr(app.size()));
                                      std::string_view name = reader.LengthPrefixed();
                                      if (reader.ok()) type = std::string(name);
                                      return false;
                                    }));
    if (!type) break;
    std::string type_prefix = app;
    store::PutLengthPrefixed(*type, &type_prefix);
    batch_.DeleteRange(store::Table::kConversions, type_prefix,
                       store::ConversionTimeKey(app_id, *type, cutoff_ms));
    at = store::PrefixEnd(type_prefix);
  }

  // Index entries of old events and conversions.
  std::vector<std::string> old_keys;
  UM_RETURN_IF_ERROR(store_->Scan(store::Table::kDeviceEvents, app, app_end,
                                  [&](std::string_view key, std::string_view value) {
                                    Result<int64_t> ts = store::DecodeDeviceEventValue(value);
                                    if (ts.ok() && *ts < cutoff_ms) old_keys.emplace_back(key);
                                    return true;
                                  }));
  stats->events += old_keys.size();
  for (const std::string& key : old_keys) {
    batch_.Delete(store::Table::kDeviceEvents, key);
    UM_RETURN_IF_ERROR(maybe_commit());
  }
  old_keys.clear();
  UM_RETURN_IF_ERROR(store_->Scan(store::Table::kDeviceConversions, app, app_end,
                                  [&](std::string_view key, std::string_view) {
                                    Result<TimeSeq> at_key = store::DecodeTimeSeqSuffix(key);
                                    if (at_key.ok() && at_key->ts_ms < cutoff_ms) {
                                      old_keys.emplace_back(key);
                                    }
                                    return true;
                                  }));
  for (const std::string& key : old_keys) {
    batch_.Delete(store::Table::kDeviceConversions, key);
    UM_RETURN_IF_ERROR(maybe_commit());
  }
  old_keys.clear();

  // Devices with no event since the cutoff go; the others lose their
  // touches and recent conversions from before it (whose conversion rows
  // went above: a late event must not look for them).
  auto older = [cutoff_ms](const auto& item) { return item.ts_ms < cutoff_ms; };
  Status decode_status;
  UM_RETURN_IF_ERROR(store_->Scan(
      store::Table::kDevices, app, app_end, [&](std::string_view key, std::string_view value) {
        Result<store::DeviceState> state = store::DecodeDeviceState(value);
        if (!state.ok()) {
          decode_status = state.status();
          return false;
        }
        if (state->last_day < cutoff_day) {
          old_keys.emplace_back(key);
        } else if (std::erase_if(state->touches, older) +
                       std::erase_if(state->recent_conversions, older) >
                   0) {
          batch_.Put(store::Table::kDevices, key, store::EncodeDeviceState(*state));
        }
        return true;
      }));
  UM_RETURN_IF_ERROR(decode_status);
  UM_RETURN_IF_ERROR(maybe_commit());
  stats->devices += old_keys.size();
  for (const std::string& key : old_keys) {
    batch_.Delete(store::Table::kDevices, key);
    UM_RETURN_IF_ERROR(maybe_commit());
  }

  // Clicks before the cutoff in the probabilistic index.
  UM_RETURN_IF_ERROR(store_->Scan(
      store::Table::kClicksByIpUa, app, app_end, [&](std::string_view key, std::string_view value) {
        Result<std::vector<store::IpUaClick>> clicks = store::DecodeIpUaClicks(value);
        if (!clicks.ok()) {
          decode_status = clicks.status();
          return false;
        }
        if (std::erase_if(*clicks, older) == 0) return true;
        if (clicks->empty()) {
          batch_.Delete(store::Table::kClicksByIpUa, key);
        } else {
          batch_.Put(store::Table::kClicksByIpUa, key, store::EncodeIpUaClicks(*clicks));
        }
        return true;
      }));
  UM_RETURN_IF_ERROR(decode_status);
  return Commit(checkpoint);
}

}  // namespace unmogrowp
