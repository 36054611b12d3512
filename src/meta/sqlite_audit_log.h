#pragma once

// SqliteAuditLog: the embedded AuditLog, a table in the metadata database
// (the file SqliteAppStore uses; the schema is sqlite_schema.cc's, migrated
// at open). It has its own connection to that file: SQLite serializes the
// two connections' writes, and each append is committed with a full fsync
// before Append returns.
//
// Thread-safe: one connection and its prepared statements, serialized by a
// mutex (audit entries are rare: one per privacy action).

#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "meta/audit_log.h"
#include "meta/sqlite_db.h"

namespace unmogrowp {

class SqliteAuditLog final : public AuditLog {
 public:
  // Opens or creates the database at `path`. `clock` stamps entries and must
  // outlive the log.
  static Result<std::unique_ptr<SqliteAuditLog>> Open(const std::string& path, const Clock& clock);

  SqliteAuditLog(const SqliteAuditLog&) = delete;
  SqliteAuditLog& operator=(const SqliteAuditLog&) = delete;

  Result<AuditEntry> Append(AuditEntry entry) override;
  Result<std::vector<AuditEntry>> List(std::string_view app_id, size_t limit,
                                       int64_t before_id) override;

 private:
  SqliteAuditLog(std::unique_ptr<SqliteDb> db, const Clock& clock)
      : clock_(clock), db_(std::move(db)) {}

  Status PrepareStatements();

  const Clock& clock_;

  std::mutex mu_;  // Guards everything below.
  std::unique_ptr<SqliteDb> db_;
  // Declared after db_: statements are finalized before the connection closes.
  SqliteStatement insert_;
  SqliteStatement select_all_;
  SqliteStatement select_app_;
};

}  // namespace unmogrowp
