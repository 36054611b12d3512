#include "event/json.h"

#include "core/json_writer.h"

namespace unmogrowp {

namespace {

void OptionalString(JsonWriter& w, std::string_view key, std::string_view value) {
  if (!value.empty()) w.Key(key).String(value);
}

}  // namespace

void AppendEventJson(const EventView& event, std::string* out) {
  JsonWriter w(out);
  w.BeginObject();
  OptionalString(w, "event_id", event.event_id);
  OptionalString(w, "app_id", event.app_id);
  OptionalString(w, "event_type", event.event_type);
  w.Key("timestamp").Int(event.timestamp_ms);
  w.Key("received_ms").Int(event.received_ms);
  OptionalString(w, "device_id", event.device_id);
  OptionalString(w, "user_id", event.user_id);
  OptionalString(w, "ip", event.ip);
  OptionalString(w, "user_agent", event.user_agent);
  OptionalString(w, "source", event.source);
  OptionalString(w, "medium", event.medium);
  OptionalString(w, "campaign", event.campaign);
  w.Key("revenue").Double(event.revenue);
  OptionalString(w, "currency", event.currency);
  if (!event.properties.empty()) w.Key("properties").Raw(event.properties);
  w.EndObject();
}

}  // namespace unmogrowp
