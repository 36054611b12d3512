#pragma once

// Strict consumption of simdjson On-Demand values (internal to the event
// module). On-Demand validates only what a program reads: a value that is
// skipped is checked for balanced brackets and nothing else, so `{"x": tru}`
// would pass. The decoder reads every value it does not otherwise need --
// unknown fields, `properties`, non-object batch elements -- through these
// functions, which touch every token and so give the same verdict as a full
// parse: RFC 8259 grammar, valid string escapes (no lone surrogates), numbers
// that fit a double. UTF-8 and unescaped control characters are checked for
// the whole input by simdjson's stage 1 before any of this runs.
//
// They also cap nesting: On-Demand itself enforces no depth limit (and its
// internal stack assumes one), so every container is counted here. `level` is
// the nesting level of the container being read: 1 for the document root.

#include <simdjson.h>

#include <cstddef>

namespace unmogrowp::event_internal {

namespace od = simdjson::ondemand;

// Reads `value` (nested inside `enclosing_levels` containers) to its end.
// Returns SUCCESS, DEPTH_ERROR when a container would sit deeper than
// `max_depth`, or the simdjson error that makes the text invalid JSON.
simdjson::error_code ConsumeValue(od::value& value, size_t enclosing_levels, size_t max_depth);
simdjson::error_code ConsumeObject(od::object& object, size_t level, size_t max_depth);
simdjson::error_code ConsumeArray(od::array& array, size_t level, size_t max_depth);

// Reads a whole document whose root is not an object, or that is an object
// the caller does not interpret. Does not check for trailing content (see
// AtDocumentEnd).
simdjson::error_code ConsumeDocument(od::document& doc, size_t max_depth);

// True when nothing but whitespace follows the root value just read.
bool AtDocumentEnd(od::document& doc);

// [begin, end) less trailing JSON whitespace. With `begin` a container's
// first byte and `end` the parser's location just after consuming it, this
// is the container's exact source text.
std::string_view TrimmedSpan(const char* begin, const char* end);

}  // namespace unmogrowp::event_internal
