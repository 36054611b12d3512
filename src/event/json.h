#pragma once

// JSON text of a stored event, for the devices endpoint, exports and
// `unmogrowp log dump`.

#include <string>

#include "event/event.h"

namespace unmogrowp {

// Appends `event` as one compact JSON object: every present (non-empty)
// field under its API name, in API.md's table order after event_id and
// app_id; `timestamp` and `received_ms` as integer ms since the epoch;
// `revenue` always (0 when none was sent); `properties` inserted as its raw
// stored JSON text.
void AppendEventJson(const EventView& event, std::string* out);

}  // namespace unmogrowp
