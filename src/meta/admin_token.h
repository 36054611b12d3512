#pragma once

// The admin token (API.md "Server start"): the bearer token that may do
// everything. Given by the operator (--admin-token / UNMOGROWP_ADMIN_TOKEN),
// or generated on first start and kept in <data-dir>/admin.token (mode 0600).
// Stateless functions; safe from any thread, but two processes must not
// create the token in the same data dir at the same moment.

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace unmogrowp {

inline constexpr std::string_view kAdminTokenFileName = "admin.token";
inline constexpr size_t kAdminTokenRandomBytes = 32;

// The token to accept. A `configured` token wins and is neither read from nor
// written to disk (InvalidArgument, field "admin_token", when it is empty or
// holds anything but printable non-space ASCII). Otherwise reads
// <data_dir>/admin.token, or generates a token (64 hex chars), writes it there
// atomically (temp file, fsync, rename, fsync of the directory) and sets
// *created (when not null) so the caller prints it once. The data dir is
// created when missing; a token file readable by others is narrowed to 0600.
Result<std::string> LoadOrCreateAdminToken(const std::string& data_dir,
                                           std::optional<std::string> configured, bool* created);

// Constant-time comparison of a presented token with the expected one:
// reveals neither a common prefix nor the length.
bool TokenEquals(std::string_view a, std::string_view b);

}  // namespace unmogrowp
