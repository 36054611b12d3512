#pragma once

// AuditLog: who did what and when, for privacy and app actions (device
// erasures; app create, update, key rotation, delete). An entry names what was
// acted on without holding it: a device appears only as DeviceTarget(id),
// never the id or its data; an app by its id, never its API key.
// Implementations are thread-safe: every method may be called from any
// thread at any time. The embedded backend is SqliteAuditLog.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace unmogrowp {

struct AuditEntry {
  int64_t id = 0;      // Assigned by Append; increases with every entry.
  int64_t at_ms = 0;   // When, ms since the Unix epoch, UTC; assigned by Append.
  std::string actor;   // Who: "admin" for the admin token.
  std::string action;  // What: "device.erase", "app.create", "app.update",
                       // "app.rotate_key", "app.delete".
  std::string app_id;  // The app acted on; "" when not about one app.
  std::string target;  // What was acted on: DeviceTarget(id), "app"; never personal data in clear.
  std::string detail;  // Free text; may be "".

  bool operator==(const AuditEntry&) const = default;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;

  // Stores `entry` durably before returning, with a fresh id and at_ms from
  // the clock (whatever `entry` held in them is ignored); returns the stored
  // entry. InvalidArgument naming "actor" or "action" when either is empty.
  virtual Result<AuditEntry> Append(AuditEntry entry) = 0;

  // Newest first: at most `limit` entries whose id is below `before_id` (0 =
  // no bound), of app `app_id` ("" = every entry).
  virtual Result<std::vector<AuditEntry>> List(std::string_view app_id, size_t limit,
                                               int64_t before_id) = 0;
};

// List's arguments as SQL bounds, shared by the backends: ids below
// `below_id` (before_id, or INT64_MAX for 0), at most `max_rows` (limit,
// clamped to INT64_MAX). A limit of 0 lists nothing: check it first.
struct AuditListBounds {
  int64_t below_id = 0;
  int64_t max_rows = 0;
};
AuditListBounds AuditListBoundsFor(size_t limit, int64_t before_id);

// "device_sha256:" + the lowercase hex SHA-256 of `device_id`: lets an
// operator who holds a device id check whether it was erased, while the log
// keeps no id.
std::string DeviceTarget(std::string_view device_id);

}  // namespace unmogrowp
