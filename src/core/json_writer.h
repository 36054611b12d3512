#pragma once

// JsonWriter: appends compact JSON text to a std::string, for API responses
// and exports. No DOM, no allocation beyond the output string. The caller is
// responsible for well-formed nesting (asserted in debug builds only through
// tests: keep call sequences simple). Strings are escaped per RFC 8259; the
// input must be valid UTF-8 (everything we hold was validated on the way in).

#include <cstdint>
#include <string>
#include <string_view>

namespace unmogrowp {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Writes `"key":`; the next value call completes the member.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  // Shortest text that round-trips; non-finite values are written as null.
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-serialized JSON (e.g. a stored properties object).
  JsonWriter& Raw(std::string_view json);
  // String, or null when `value` is empty.
  JsonWriter& StringOrNull(std::string_view value);

 private:
  void Separate();

  std::string* out_;
  bool need_comma_ = false;
};

// Appends `s` escaped (without quotes).
void AppendJsonEscaped(std::string_view s, std::string* out);

}  // namespace unmogrowp
