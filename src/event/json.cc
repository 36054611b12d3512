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
  if (!event.properties.empty()) {
    // Stored as received, so possibly pretty-printed. A raw CR or LF can only
    // be whitespace between tokens (inside a JSON string it must be
    // escaped), so writing it as a space keeps the value and keeps the event
    // on one line (NDJSON export).
    w.Key("properties").Raw({});
    size_t start = out->size();
    out->append(event.properties);
    for (size_t i = start; i < out->size(); ++i) {
      if ((*out)[i] == '\n' || (*out)[i] == '\r') (*out)[i] = ' ';
    }
  }
  w.EndObject();
}

}  // namespace unmogrowp
