#pragma once

// SqliteMetaBackend: the SQLite metadata backend as the conformance suites
// (app_store_conformance_test.h, audit_log_conformance_test.h) see it: a
// fresh database file in its own temp directory, removed with it. Every Open
// call is another handle on that one file. For tests only; not thread-safe.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/scoped_temp_dir_for_test.h"
#include "meta/sqlite_app_store.h"
#include "meta/sqlite_audit_log.h"
#include "meta/sqlite_db.h"

namespace unmogrowp {

class SqliteMetaBackend {
 public:
  bool ready() const { return !dir_.path().empty(); }

  // The metadata database every store and log opens.
  std::string path() const { return dir_.File("meta.sqlite"); }

  // Another file in the same temp directory.
  std::string File(std::string_view name) const { return dir_.File(name); }

  Result<std::unique_ptr<SqliteAppStore>> OpenAppStore(const Clock& clock) const {
    return SqliteAppStore::Open(path(), clock);
  }

  Result<std::unique_ptr<SqliteAuditLog>> OpenAuditLog(const Clock& clock) const {
    return SqliteAuditLog::Open(path(), clock);
  }

  // Deletes audit entry `id` behind the log's back; how many rows went.
  Result<int64_t> DeleteAuditEntry(int64_t id) const {
    UM_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path()));
    UM_RETURN_IF_ERROR(db->Exec("DELETE FROM audit_log WHERE id = " + std::to_string(id)));
    return db->Changes();
  }

 private:
  ScopedTempDir dir_;
};

}  // namespace unmogrowp
