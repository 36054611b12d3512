#include "meta/pg_audit_log.h"

#include <fmt/format.h>

#include "meta/pg_schema.h"

namespace unmogrowp {

namespace {

constexpr std::string_view kColumns = "id, at_ms, actor, action, app_id, target, detail";

Result<AuditEntry> ReadEntry(const PgRows& rows, size_t row) {
  AuditEntry entry;
  UM_ASSIGN_OR_RETURN(entry.id, rows.Int64(row, 0));
  UM_ASSIGN_OR_RETURN(entry.at_ms, rows.Int64(row, 1));
  entry.actor = rows.Text(row, 2);
  entry.action = rows.Text(row, 3);
  entry.app_id = rows.Text(row, 4);
  entry.target = rows.Text(row, 5);
  entry.detail = rows.Text(row, 6);
  return entry;
}

}  // namespace

Result<std::unique_ptr<PgAuditLog>> PgAuditLog::Open(std::string url, const Clock& clock) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> db, PgConnection::Open(url));
  UM_RETURN_IF_ERROR(MigratePgSchema(*db));
  return std::unique_ptr<PgAuditLog>(new PgAuditLog(std::move(db), clock));
}

Result<AuditEntry> PgAuditLog::Append(AuditEntry entry) {
  if (entry.actor.empty()) {
    return Status::InvalidArgument("actor", "an audit entry needs an actor", "missing_field");
  }
  if (entry.action.empty()) {
    return Status::InvalidArgument("action", "an audit entry needs an action", "missing_field");
  }
  std::lock_guard lock(append_mu_);
  entry.at_ms = clock_.NowMs();
  const PgParams params = {std::to_string(entry.at_ms),
                           entry.actor,
                           entry.action,
                           entry.app_id,
                           entry.target,
                           entry.detail};
  // A transaction, not a bare INSERT: one lost before COMMIT is retried on a
  // fresh connection without the risk of storing the entry twice.
  UM_RETURN_IF_ERROR(db_->Transact([&](PgTransaction& txn) {
    UM_ASSIGN_OR_RETURN(PgRows rows,
                        txn.Exec("INSERT INTO audit_log (at_ms, actor, action, app_id, target, "
                                 "detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                                 params));
    UM_ASSIGN_OR_RETURN(entry.id, rows.Int64(0, 0));
    return Status::OK();
  }));
  return entry;
}

Result<std::vector<AuditEntry>> PgAuditLog::List(std::string_view app_id, size_t limit,
                                                 int64_t before_id) {
  std::vector<AuditEntry> entries;
  if (limit == 0) return entries;
  const AuditListBounds bounds = AuditListBoundsFor(limit, before_id);

  Result<PgRows> rows =
      app_id.empty()
          ? db_->Exec(fmt::format("SELECT {} FROM audit_log WHERE id < $1 ORDER BY id DESC "
                                  "LIMIT $2",
                                  kColumns),
                      {std::to_string(bounds.below_id), std::to_string(bounds.max_rows)})
          : db_->Exec(fmt::format("SELECT {} FROM audit_log WHERE id < $1 AND app_id = $2 "
                                  "ORDER BY id DESC LIMIT $3",
                                  kColumns),
                      {std::to_string(bounds.below_id), std::string(app_id),
                       std::to_string(bounds.max_rows)});
  if (!rows.ok()) return rows.status();
  entries.reserve(rows->size());
  for (size_t row = 0; row < rows->size(); ++row) {
    UM_ASSIGN_OR_RETURN(AuditEntry entry, ReadEntry(*rows, row));
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace unmogrowp
