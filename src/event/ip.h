#pragma once

// IP address text validation for the event `ip` field.

#include <string_view>

namespace unmogrowp {

// True when `text` is exactly an IPv4 dotted quad (four decimal octets, no
// leading zeros) or an IPv6 address in RFC 4291 text form (including "::"
// compression and an embedded IPv4 tail). Zone ids ("%eth0"), CIDR suffixes,
// brackets and surrounding whitespace are rejected.
bool IsValidIpAddress(std::string_view text);

}  // namespace unmogrowp
