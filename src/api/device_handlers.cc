#include "api/device_handlers.h"

#include <algorithm>
#include <vector>

#include "api/auth.h"
#include "attribution/install_match.h"
#include "core/json_writer.h"
#include "event/codec.h"
#include "event/json.h"
#include "event/time_order.h"
#include "meta/app_store.h"
#include "store/bytes.h"
#include "store/device_state.h"
#include "store/keys.h"
#include "store/state_store.h"

namespace unmogrowp::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;

void AppendInstall(const store::DeviceInstall& install, JsonWriter& w) {
  auto match = static_cast<MatchType>(install.match);
  w.BeginObject();
  w.Key("timestamp").Int(install.ts_ms);
  std::string channel = match == MatchType::kOrganic ? "(organic)"
                        : install.source.empty()     ? "(none)"
                                                     : install.source;
  w.Key("channel").String(channel);
  w.Key("source").StringOrNull(install.source);
  w.Key("campaign").StringOrNull(install.campaign);
  w.Key("match").String(MatchTypeName(match));
  w.Key("touchpoint_event_id").StringOrNull(install.touch_event_id);
  w.EndObject();
}

Result<HttpResponse> DeviceReport(const ApiContext& context, HttpRequest& request) {
  std::string app_id(request.path_params[0]);
  std::string device_id(request.path_params[1]);
  UM_RETURN_IF_ERROR(context.apps->Get(app_id).status());

  // The device's index: (timestamp, log offset) of each of its events.
  std::vector<TimeSeq> index;
  std::string prefix = store::DeviceEventsPrefix(app_id, device_id);
  // Keys of a longer device id with this one as a prefix do not share the
  // length prefix, so every key in the range is this device's.
  Status bad_entry;
  UM_RETURN_IF_ERROR(context.state->Scan(
      store::Table::kDeviceEvents, prefix, store::PrefixEnd(prefix),
      [&](std::string_view key, std::string_view value) {
        store::ByteReader offset_reader(key.substr(prefix.size()));
        uint64_t offset = offset_reader.BigEndian64();
        Result<int64_t> ts = store::DecodeDeviceEventValue(value);
        if (!ts.ok() || !offset_reader.ok()) {
          bad_entry = Status::Corruption("device event index entry is malformed");
          return false;
        }
        index.push_back(TimeSeq{*ts, offset});
        return true;
      }));
  UM_RETURN_IF_ERROR(bad_entry);
  // Time order; events with equal timestamps in arrival (log) order.
  std::sort(index.begin(), index.end(),
            [](const TimeSeq& a, const TimeSeq& b) { return EarlierInTime(a, b); });
  std::vector<std::string> payloads;
  payloads.reserve(index.size());
  std::string payload;
  for (const TimeSeq& at : index) {
    UM_ASSIGN_OR_RETURN(
        bool found, context.state->Get(store::Table::kEventsByTime,
                                       store::EventTimeKey(app_id, at.ts_ms, at.seq), &payload));
    if (found) payloads.push_back(payload);  // absent: removed by retention just now
  }
  if (payloads.empty()) {
    return Status::NotFound("no events for device " + device_id + " in app " + app_id);
  }
  // Views into `payloads`, which no longer changes.
  std::vector<EventView> events(payloads.size());
  for (size_t i = 0; i < payloads.size(); ++i) {
    UM_RETURN_IF_ERROR(DecodeEncoded(payloads[i], &events[i]));
  }

  std::string state_bytes;
  store::DeviceState state;
  UM_ASSIGN_OR_RETURN(bool has_state,
                      context.state->Get(store::Table::kDevices,
                                         store::DeviceKey(app_id, device_id), &state_bytes));
  if (has_state) {
    UM_ASSIGN_OR_RETURN(state, store::DecodeDeviceState(state_bytes));
  }

  HttpResponse response;
  JsonWriter w(&response.body);
  w.BeginObject();
  w.Key("device_id").String(device_id);
  w.Key("install");
  if (state.install) {
    AppendInstall(*state.install, w);
  } else {
    w.Null();
  }
  w.Key("events").BeginArray();
  std::string event_json;
  for (const EventView& event : events) {
    event_json.clear();
    AppendEventJson(event, &event_json);
    w.Raw(event_json);
  }
  w.EndArray().EndObject();
  return response;
}

}  // namespace

void AddDeviceRoutes(http::Router* router, const ApiContext* context) {
  router->Add("GET", "/v1/apps/{app_id}/devices/{device_id}", "devices_get",
              AdminOnly(
                  &context->admin_token,
                  [context](HttpRequest& request) { return DeviceReport(*context, request); },
                  context->reports));
}

}  // namespace unmogrowp::api
