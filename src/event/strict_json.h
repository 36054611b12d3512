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
#include <string_view>
#include <utility>

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

// A JSON number token (trailing whitespace allowed) parsed as a double: the
// fallback for numbers simdjson 3.0.1's On-Demand parser refuses although
// they fit a double -- a zero mantissa with a huge exponent such as
// "-0e999999999999" (its DOM parser accepts those; the fuzzer found the
// difference). Checks RFC 8259 number grammar itself, then strtod; returns
// NUMBER_ERROR for malformed tokens and for values beyond a double's range.
simdjson::error_code ParseJsonNumberToken(std::string_view token, double* out);

// value.get_double(), with ParseJsonNumberToken as the fallback.
template <typename ValueOrDocument>
simdjson::error_code GetJsonDouble(ValueOrDocument& value, double* out) {
  simdjson::error_code e = value.get_double().get(*out);
  if (e != simdjson::NUMBER_ERROR) return e;
  // value::raw_json_token() returns the view, document's a simdjson_result.
  simdjson::simdjson_result<std::string_view> raw = value.raw_json_token();
  std::string_view token;
  if (std::move(raw).get(token) != simdjson::SUCCESS) return e;
  return ParseJsonNumberToken(token, out);
}

// True when nothing but whitespace follows the root value just read.
bool AtDocumentEnd(od::document& doc);

// [begin, end) less trailing JSON whitespace. With `begin` a container's
// first byte and `end` the parser's location just after consuming it, this
// is the container's exact source text.
std::string_view TrimmedSpan(const char* begin, const char* end);

}  // namespace unmogrowp::event_internal
