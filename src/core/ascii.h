#pragma once

// ASCII helpers for protocol text (HTTP header names and tokens, URL
// escapes), which is case-insensitive in ASCII only -- no locale involved.

#include <string>
#include <string_view>

namespace unmogrowp {

// True when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Decodes %XX escapes (RFC 3986) of `in` into `*out`; with `plus_is_space`
// (query strings, RFC 1866 forms) '+' becomes ' ', else it stays '+'
// (paths). False, with `*out` unspecified, on a '%' not followed by two hex
// digits.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

}  // namespace unmogrowp
