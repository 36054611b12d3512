#include "event/event.h"

namespace unmogrowp {

EventKind KindOfEventType(std::string_view event_type) {
  if (event_type == "click") return EventKind::kClick;
  if (event_type == "impression") return EventKind::kImpression;
  if (event_type == "install") return EventKind::kInstall;
  return EventKind::kInApp;
}

Event ToOwned(const EventView& view) {
  Event e;
  e.app_id = std::string(view.app_id);
  e.event_id = std::string(view.event_id);
  e.event_type = std::string(view.event_type);
  e.timestamp_ms = view.timestamp_ms;
  e.received_ms = view.received_ms;
  e.device_id = std::string(view.device_id);
  e.user_id = std::string(view.user_id);
  e.ip = std::string(view.ip);
  e.user_agent = std::string(view.user_agent);
  e.source = std::string(view.source);
  e.medium = std::string(view.medium);
  e.campaign = std::string(view.campaign);
  e.currency = std::string(view.currency);
  e.revenue = view.revenue;
  e.properties = std::string(view.properties);
  return e;
}

EventView AsView(const Event& event) {
  EventView v;
  v.app_id = event.app_id;
  v.event_id = event.event_id;
  v.event_type = event.event_type;
  v.timestamp_ms = event.timestamp_ms;
  v.received_ms = event.received_ms;
  v.device_id = event.device_id;
  v.user_id = event.user_id;
  v.ip = event.ip;
  v.user_agent = event.user_agent;
  v.source = event.source;
  v.medium = event.medium;
  v.campaign = event.campaign;
  v.currency = event.currency;
  v.revenue = event.revenue;
  v.properties = event.properties;
  return v;
}

bool operator==(const Event& a, const Event& b) {
  return a.app_id == b.app_id && a.event_id == b.event_id && a.event_type == b.event_type &&
         a.timestamp_ms == b.timestamp_ms && a.received_ms == b.received_ms &&
         a.device_id == b.device_id && a.user_id == b.user_id && a.ip == b.ip &&
         a.user_agent == b.user_agent && a.source == b.source && a.medium == b.medium &&
         a.campaign == b.campaign && a.currency == b.currency && a.revenue == b.revenue &&
         a.properties == b.properties;
}

}  // namespace unmogrowp
