#include "event/strict_json.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace unmogrowp::event_internal {

using simdjson::error_code;

namespace {

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The root scalar's text, without the whitespace before the next token.
error_code RootToken(od::document& doc, std::string_view* token) {
  if (error_code e = doc.raw_json_token().get(*token)) return e;
  while (!token->empty() && IsJsonWhitespace(token->back())) token->remove_suffix(1);
  return simdjson::SUCCESS;
}

}  // namespace

error_code ConsumeObject(od::object& object, size_t level, size_t max_depth) {
  for (auto field_result : object) {
    od::field field;
    if (error_code e = std::move(field_result).get(field)) return e;
    std::string_view key;
    if (error_code e = field.unescaped_key().get(key)) return e;
    if (error_code e = ConsumeValue(field.value(), level, max_depth)) return e;
  }
  return simdjson::SUCCESS;
}

error_code ConsumeArray(od::array& array, size_t level, size_t max_depth) {
  for (auto element_result : array) {
    if (error_code e = element_result.error()) return e;
    od::value element = element_result.value_unsafe();
    if (error_code e = ConsumeValue(element, level, max_depth)) return e;
  }
  return simdjson::SUCCESS;
}

error_code ConsumeValue(od::value& value, size_t enclosing_levels, size_t max_depth) {
  od::json_type type;
  if (error_code e = value.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      if (enclosing_levels + 1 > max_depth) return simdjson::DEPTH_ERROR;
      od::object object;
      if (error_code e = value.get_object().get(object)) return e;
      return ConsumeObject(object, enclosing_levels + 1, max_depth);
    }
    case od::json_type::array: {
      if (enclosing_levels + 1 > max_depth) return simdjson::DEPTH_ERROR;
      od::array array;
      if (error_code e = value.get_array().get(array)) return e;
      return ConsumeArray(array, enclosing_levels + 1, max_depth);
    }
    case od::json_type::string: {
      std::string_view s;
      return value.get_string().get(s);
    }
    case od::json_type::number: {
      // get_double accepts every JSON number that fits a double, integers
      // beyond 64 bits included, and rejects malformed or infinite ones.
      double d;
      return GetJsonDouble(value, &d);
    }
    case od::json_type::boolean: {
      bool b;
      return value.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null;
      if (error_code e = value.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

error_code ConsumeDocument(od::document& doc, size_t max_depth) {
  od::json_type type;
  if (error_code e = doc.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      if (max_depth < 1) return simdjson::DEPTH_ERROR;
      od::object object;
      if (error_code e = doc.get_object().get(object)) return e;
      return ConsumeObject(object, 1, max_depth);
    }
    case od::json_type::array: {
      if (max_depth < 1) return simdjson::DEPTH_ERROR;
      od::array array;
      if (error_code e = doc.get_array().get(array)) return e;
      return ConsumeArray(array, 1, max_depth);
    }
    case od::json_type::string: {
      std::string_view s;
      return doc.get_string().get(s);
    }
    case od::json_type::number: {
      double d;
      return GetJsonDouble(doc, &d);
    }
    case od::json_type::boolean: {
      // simdjson 3.0.1's root atom checks look at a truncated copy of the
      // token ("falsey" passes as false, "nullx" as null), so compare the
      // whole token first.
      std::string_view token;
      if (error_code e = RootToken(doc, &token)) return e;
      if (token != "true" && token != "false") return simdjson::T_ATOM_ERROR;
      bool b;
      return doc.get_bool().get(b);
    }
    case od::json_type::null: {
      std::string_view token;
      if (error_code e = RootToken(doc, &token)) return e;
      if (token != "null") return simdjson::N_ATOM_ERROR;
      bool is_null;
      if (error_code e = doc.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

bool AtDocumentEnd(od::document& doc) {
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

std::string_view TrimmedSpan(const char* begin, const char* end) {
  while (end > begin && IsJsonWhitespace(end[-1])) --end;
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

simdjson::error_code ParseJsonNumberToken(std::string_view token, double* out) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  auto digit = [&](size_t i) { return i < token.size() && token[i] >= '0' && token[i] <= '9'; };
  size_t i = 0;
  if (i < token.size() && token[i] == '-') ++i;
  if (!digit(i)) return simdjson::NUMBER_ERROR;
  if (token[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < token.size() && token[i] == '.') {
    ++i;
    if (!digit(i)) return simdjson::NUMBER_ERROR;
    while (digit(i)) ++i;
  }
  if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
    if (!digit(i)) return simdjson::NUMBER_ERROR;
    while (digit(i)) ++i;
  }
  if (i != token.size()) return simdjson::NUMBER_ERROR;
  std::string text(token);
  errno = 0;
  double d = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(d)) return simdjson::NUMBER_ERROR;
  *out = d;
  return simdjson::SUCCESS;
}

}  // namespace unmogrowp::event_internal
