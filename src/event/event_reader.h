#pragma once

// EventReader: reads one JSON event object into an EventView and applies
// API.md's event rules (internal to the event module; EventDecoder is the
// public face). Every value of the object is read to its end, so a syntax
// error anywhere inside it is always found, even after a rule has failed.
// Not thread-safe; EventDecoder keeps one.

#include <string>
#include <string_view>

#include "event/decoder.h"
#include "event/event.h"
#include "event/strict_json.h"

namespace unmogrowp::event_internal {

// Why a well-formed event object was not accepted.
struct EventFault {
  std::string_view code;   // missing_field, invalid_type, invalid_value, duplicate_field, ...
  std::string message;     // a human sentence
  std::string_view field;  // the event field at fault
};

enum class ReadResult {
  kValid,        // *event is the validated event
  kRejected,     // the JSON is fine but a rule failed: see *fault
  kInvalidJson,  // the text is not valid JSON (or nests too deep): see *json_error
};

class EventReader {
 public:
  explicit EventReader(size_t max_depth) : max_depth_(max_depth) {}

  // Reads `object`, which sits at nesting `level` (1 for a document root).
  // On kValid, *event has app_id = ctx.app_id, received_ms = ctx.now_ms and
  // an event_id (generated when absent); its strings view the document, the
  // parser's string buffer or this reader, and stay valid until the next
  // Read or the parser's next document.
  ReadResult Read(od::object& object, size_t level, const DecodeContext& ctx, EventView* event,
                  EventFault* fault, simdjson::error_code* json_error);

 private:
  size_t max_depth_;
  char generated_id_[36];
};

}  // namespace unmogrowp::event_internal
