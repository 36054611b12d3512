#pragma once

// ASCII helpers for protocol text (HTTP header names and tokens), which is
// case-insensitive in ASCII only -- no locale involved.

#include <string_view>

namespace unmogrowp {

// True when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace unmogrowp
