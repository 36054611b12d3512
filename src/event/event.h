#pragma once

// Event: one validated event as UnMoGrowP keeps it (API.md's event table).
// Decoded and validated once at the edge; the log stores its compact binary
// encoding (event/codec.h), never the JSON.
//
// BasicEvent is instantiated twice: `Event` owns its strings, `EventView`
// borrows them (from a request body, a parser buffer or a log record) and is
// what the hot path uses. An empty string means "absent" for every optional
// field; `properties` holds the raw JSON text of the object as received.

#include <cstdint>
#include <string>
#include <string_view>

namespace unmogrowp {

enum class EventKind : uint8_t {
  kClick = 1,
  kImpression = 2,
  kInstall = 3,
  kInApp = 4,  // open, purchase, or any custom type
};

// Classifies a (validated) event_type.
EventKind KindOfEventType(std::string_view event_type);
inline bool IsTouchpoint(EventKind k) {
  return k == EventKind::kClick || k == EventKind::kImpression;
}

template <typename Str>
struct BasicEvent {
  Str app_id;                // the app of the API key that sent it
  Str event_id;              // as sent, or a generated UUIDv7
  Str event_type;            // [a-z0-9_]{1,64}
  int64_t timestamp_ms = 0;  // event time, ms since epoch UTC
  int64_t received_ms = 0;   // server time when accepted
  Str device_id;
  Str user_id;
  Str ip;  // canonical text as sent (validated IPv4/IPv6)
  Str user_agent;
  Str source;
  Str medium;
  Str campaign;
  Str currency;  // 3 upper-case letters or empty
  double revenue = 0;
  Str properties;  // raw JSON object text or empty

  EventKind kind() const { return KindOfEventType(event_type); }
};

using Event = BasicEvent<std::string>;
using EventView = BasicEvent<std::string_view>;

// Deep copy of a view; the result owns its strings.
Event ToOwned(const EventView& view);
// A view of an owned event, valid while `event` lives and is not modified.
EventView AsView(const Event& event);

bool operator==(const Event& a, const Event& b);

}  // namespace unmogrowp
