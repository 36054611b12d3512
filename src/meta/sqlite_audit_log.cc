#include "meta/sqlite_audit_log.h"

#include <fmt/format.h>

#include "meta/sqlite_schema.h"

namespace unmogrowp {

namespace {

constexpr std::string_view kColumns = "id, at_ms, actor, action, app_id, target, detail";

AuditEntry ReadEntry(const SqliteStatement& row) {
  AuditEntry entry;
  entry.id = row.ColumnInt64(0);
  entry.at_ms = row.ColumnInt64(1);
  entry.actor = row.ColumnText(2);
  entry.action = row.ColumnText(3);
  entry.app_id = row.ColumnText(4);
  entry.target = row.ColumnText(5);
  entry.detail = row.ColumnText(6);
  return entry;
}

}  // namespace

Result<std::unique_ptr<SqliteAuditLog>> SqliteAuditLog::Open(const std::string& path,
                                                             const Clock& clock) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  UM_RETURN_IF_ERROR(MigrateSqliteSchema(*db));
  std::unique_ptr<SqliteAuditLog> log(new SqliteAuditLog(std::move(db), clock));
  UM_RETURN_IF_ERROR(log->PrepareStatements());
  return log;
}

Status SqliteAuditLog::PrepareStatements() {
  std::lock_guard lock(mu_);
  UM_ASSIGN_OR_RETURN(insert_, db_->Prepare("INSERT INTO audit_log (at_ms, actor, action, app_id, "
                                            "target, detail) VALUES (?, ?, ?, ?, ?, ?)"));
  UM_ASSIGN_OR_RETURN(select_all_, db_->Prepare(fmt::format("SELECT {} FROM audit_log WHERE id < ? "
                                                            "ORDER BY id DESC LIMIT ?",
                                                            kColumns)));
  UM_ASSIGN_OR_RETURN(select_app_,
                      db_->Prepare(fmt::format("SELECT {} FROM audit_log WHERE id < ? AND "
                                               "app_id = ? ORDER BY id DESC LIMIT ?",
                                               kColumns)));
  return Status::OK();
}

Result<AuditEntry> SqliteAuditLog::Append(AuditEntry entry) {
  if (entry.actor.empty()) {
    return Status::InvalidArgument("actor", "an audit entry needs an actor", "missing_field");
  }
  if (entry.action.empty()) {
    return Status::InvalidArgument("action", "an audit entry needs an action", "missing_field");
  }
  std::lock_guard lock(mu_);
  // Stamped under the lock, so a later id never has an earlier time (given a
  // clock that does not go back).
  entry.at_ms = clock_.NowMs();
  StatementReset reset(insert_);
  insert_.BindInt64(1, entry.at_ms);
  insert_.BindText(2, entry.actor);
  insert_.BindText(3, entry.action);
  insert_.BindText(4, entry.app_id);
  insert_.BindText(5, entry.target);
  insert_.BindText(6, entry.detail);
  UM_RETURN_IF_ERROR(insert_.Run());
  entry.id = db_->LastInsertRowId();
  return entry;
}

Result<std::vector<AuditEntry>> SqliteAuditLog::List(std::string_view app_id, size_t limit,
                                                     int64_t before_id) {
  std::vector<AuditEntry> entries;
  if (limit == 0) return entries;
  const AuditListBounds bounds = AuditListBoundsFor(limit, before_id);

  std::lock_guard lock(mu_);
  SqliteStatement& select = app_id.empty() ? select_all_ : select_app_;
  StatementReset reset(select);
  int index = 1;
  select.BindInt64(index++, bounds.below_id);
  if (!app_id.empty()) select.BindText(index++, app_id);
  select.BindInt64(index, bounds.max_rows);
  while (true) {
    UM_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) break;
    entries.push_back(ReadEntry(select));
  }
  return entries;
}

}  // namespace unmogrowp
