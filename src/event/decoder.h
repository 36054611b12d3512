#pragma once

// EventDecoder: turns ingestion request bodies (API.md "Events (ingestion)")
// into validated, binary-encoded events -- the one place JSON events are
// parsed and checked. Built on simdjson On-Demand; every value in a body is
// read and validated, so a body is accepted only if it is strictly valid JSON.
//
// Choices worth knowing (the rules themselves are API.md's event table):
// - JSON null for an optional field means absent; an empty string for a
//   field with a 1-N length rule (event_type, event_id, device_id, user_id),
//   for ip and for currency is invalid_value; an empty user_agent, source,
//   medium or campaign is the same as absent.
// - A known field given twice is `duplicate_field`; unknown fields are read
//   (and must be valid JSON) but ignored.
// - When an event breaks several rules, the first broken one in document
//   order is reported; missing and cross-field rules (event_type, timestamp,
//   then device_id, then a touchpoint's source) are checked after the last
//   field.
// - A timestamp that is a JSON number with a fraction or exponent is
//   `invalid_type`; an integer out of range (even beyond 64 bits) is
//   `invalid_value`.
// - `properties` is stored as its exact source text, from '{' to '}' with
//   any inner whitespace, and the 32 KiB limit applies to that text.
// - Nesting is counted from the document root: a single event object is
//   level 1, a batch array level 1 with its events at level 2 (and at level
//   3 inside {"events": [...]}); more than max_depth levels is invalid_json.
// - Whole-request errors (invalid_json, too_many_events) are reported as
//   InvalidArgument with that reason() and an empty field().
//
// - Bodies are UTF-8 without a byte-order mark (a BOM is invalid_json, as in
//   simdjson's DOM parser).
//
// Memory: a decoder keeps the parser buffers sized for the largest document
// it has parsed (about 6 bytes per byte of a JSON body, or of the longest
// line for NDJSON; at least 64 KiB): some 60 MiB after a 10 MiB batch.
//
// Thread-safety: one decoder per thread; it reuses its parser and buffers
// across calls and is not thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/status.h"
#include "event/encoded_batch.h"

namespace unmogrowp {

// Per-request inputs the body does not carry.
struct DecodeContext {
  std::string_view app_id;  // the app named by the request's API key
  int64_t now_ms = 0;       // server time; also stamped as received_ms
  // Generates event_id when absent (UUIDv7 at now_ms); the calling thread's
  // ThreadIdGenerator() when null.
  IdGenerator* ids = nullptr;
};

// One rejected event of a batch, as API.md's `rejected` entries.
struct Rejection {
  size_t index = 0;     // 0-based position in the request (non-blank line for NDJSON)
  std::string code;     // invalid_json, invalid_event, missing_field, invalid_type, ...
  std::string message;  // a human sentence
  std::string field;    // the event field at fault; empty when none is
};

struct DecoderOptions {
  // Most events one batch request may hold (API.md: 10,000); more is a
  // whole-request `too_many_events` error (the HTTP layer answers 413).
  size_t max_events = 10000;
  // Deepest nesting of arrays/objects accepted in a body (see above); deeper
  // is invalid_json. Bounds the decoder's recursion.
  size_t max_depth = 64;
};

// One per thread: reuses its simdjson parser and buffers. Not thread-safe.
class EventDecoder {
 public:
  explicit EventDecoder(DecoderOptions options = {});
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  // POST /v1/events: `body` is one JSON object. On success appends exactly one encoded
  // event to `out` (via AppendEncoded + out->EndEvent()) and sets *event_id.
  // On failure appends nothing and returns InvalidArgument whose reason() is the API code
  // ("invalid_json" when the body is not one parseable JSON object, else a validation code)
  // and whose field() names the event field at fault.
  // `body` may have its capacity grown for simdjson padding; its contents are not changed.
  Status DecodeOne(std::string& body, const DecodeContext& ctx, EncodedBatch* out,
                   std::string* event_id);

  // POST /v1/events/batch: JSON array, {"events": [...]}, or NDJSON when `ndjson`.
  // Appends every valid event to `out` in request order; every invalid one becomes a
  // Rejection {index, code, message, field}; *total = number of events in the request.
  // Whole-request failures return non-OK, set *total to 0 and leave `out` and
  // `rejected` as they were on entry (empty, as the HTTP layer passes them):
  //   reason "invalid_json" (JSON body not parseable as a whole, or not an array / object with
  //   an "events" array)
  //   reason "too_many_events" (more than max_events events; the HTTP layer answers 413).
  Status DecodeBatch(std::string& body, bool ndjson, const DecodeContext& ctx, EncodedBatch* out,
                     std::vector<Rejection>* rejected, size_t* total);

 private:
  struct State;

  Status DecodeJsonBatch(std::string& body, const DecodeContext& ctx, EncodedBatch* out,
                         std::vector<Rejection>* rejected, size_t* total);
  Status DecodeNdjsonBatch(std::string& body, const DecodeContext& ctx, EncodedBatch* out,
                           std::vector<Rejection>* rejected, size_t* total);

  DecoderOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace unmogrowp
