#pragma once

// PgMetaBackend: the PostgreSQL metadata backend as the conformance suites
// (app_store_conformance_test.h, audit_log_conformance_test.h) see it: a
// scratch database on the test server, dropped with it. Every Open call is
// another node on that one database. For tests only; not thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "meta/pg_app_store.h"
#include "meta/pg_audit_log.h"
#include "meta/pg_connection.h"
#include "meta/pg_scratch_database_for_test.h"

namespace unmogrowp {

class PgMetaBackend {
 public:
  bool ready() const { return !db_.name().empty(); }

  PgScratchDatabase& db() { return db_; }

  Result<std::unique_ptr<PgAppStore>> OpenAppStore(const Clock& clock) const {
    return PgAppStore::Open(db_.url(), clock);
  }

  Result<std::unique_ptr<PgAuditLog>> OpenAuditLog(const Clock& clock) const {
    return PgAuditLog::Open(db_.url(), clock);
  }

  // Deletes audit entry `id` behind the log's back; how many rows went.
  Result<int64_t> DeleteAuditEntry(int64_t id) const {
    UM_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Open(db_.url()));
    UM_ASSIGN_OR_RETURN(PgRows deleted,
                        conn->Exec("DELETE FROM audit_log WHERE id = $1", {std::to_string(id)}));
    return deleted.affected();
  }

 private:
  PgScratchDatabase db_;
};

}  // namespace unmogrowp
