#pragma once

// PgAuditLog: the scale-out AuditLog, the audit_log table of the PostgreSQL
// metadata database that PgAppStore uses (schema pg_schema.cc, migrated at
// open). Ids come from a sequence (BIGSERIAL): unique across every node and
// never handed out twice, so they only increase. Each Append commits before
// it returns.
//
// Thread-safe: one PgConnection (one mutex, no pool), plus a mutex that
// stamps and inserts each entry as one step, so on one node a later id never
// has an earlier time (given a clock that does not go back). Across nodes
// ids follow the sequence and times follow each node's clock.

#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "meta/audit_log.h"
#include "meta/pg_connection.h"

namespace unmogrowp {

class PgAuditLog final : public AuditLog {
 public:
  // Connects to `url` (postgresql://user@host:port/dbname) and migrates the
  // schema. `clock` stamps entries and must outlive the log.
  static Result<std::unique_ptr<PgAuditLog>> Open(std::string url, const Clock& clock);

  PgAuditLog(const PgAuditLog&) = delete;
  PgAuditLog& operator=(const PgAuditLog&) = delete;

  Result<AuditEntry> Append(AuditEntry entry) override;
  Result<std::vector<AuditEntry>> List(std::string_view app_id, size_t limit,
                                       int64_t before_id) override;

 private:
  PgAuditLog(std::unique_ptr<PgConnection> db, const Clock& clock)
      : clock_(clock), db_(std::move(db)) {}

  const Clock& clock_;
  std::mutex append_mu_;              // Makes stamping and inserting one step.
  std::unique_ptr<PgConnection> db_;  // Thread-safe on its own.
};

}  // namespace unmogrowp
