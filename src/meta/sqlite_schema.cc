#include "meta/sqlite_schema.h"

#include <fmt/format.h>

#include <iterator>

namespace unmogrowp {

namespace {

// Append-only: never edit a migration that has shipped; add a new one.
constexpr const char* kMigrations[] = {
    // 1: apps. Settings are columns (typed, checked by STRICT); the API key is
    // stored only as its SHA-256.
    R"sql(
CREATE TABLE apps (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  api_key_sha256 BLOB NOT NULL UNIQUE,
  click_lookback_hours INTEGER NOT NULL,
  impression_lookback_hours INTEGER NOT NULL,
  probabilistic INTEGER NOT NULL,
  probabilistic_window_hours INTEGER NOT NULL,
  mta_lookback_days INTEGER NOT NULL,
  time_decay_half_life_hours REAL NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
) STRICT;
)sql",
    // 2: apps.retention_days; apps from before it get the default.
    R"sql(
ALTER TABLE apps ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 400;
)sql",
    // 3: the audit log (audit_log.h). AUTOINCREMENT: an id is never reused,
    // even after the newest entries are deleted, so ids only ever increase.
    R"sql(
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  app_id TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_by_app ON audit_log (app_id, id);
)sql",
    // 4: apps.demo (App::demo, 0 or 1); apps from before it are not demos.
    R"sql(
ALTER TABLE apps ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));
)sql",
};

}  // namespace

int64_t LatestSqliteSchemaVersion() { return static_cast<int64_t>(std::size(kMigrations)); }

Status MigrateSqliteSchema(SqliteDb& db) {
  UM_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db));
  UM_RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_version ("
              "  id INTEGER PRIMARY KEY CHECK (id = 1),"
              "  version INTEGER NOT NULL) STRICT;"
              "INSERT OR IGNORE INTO schema_version (id, version) VALUES (1, 0);"));

  int64_t version = 0;
  {
    UM_ASSIGN_OR_RETURN(SqliteStatement select,
                        db.Prepare("SELECT version FROM schema_version WHERE id = 1"));
    StatementReset reset(select);
    UM_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) return Status::Corruption("sqlite: schema_version has no row");
    version = select.ColumnInt64(0);
  }
  const int64_t latest = LatestSqliteSchemaVersion();
  if (version > latest) {
    return Status::FailedPrecondition(fmt::format(
        "metadata database is at schema version {}, newer than this binary's {}", version, latest));
  }
  if (version < 0) {
    return Status::Corruption(fmt::format("sqlite: schema version {} is negative", version));
  }
  if (version == latest) return txn->Commit();

  for (int64_t v = version; v < latest; ++v) {
    Status s = db.Exec(kMigrations[v]);
    if (!s.ok()) return s.WithContext(fmt::format("migration {}", v + 1));
  }
  UM_RETURN_IF_ERROR(
      db.Exec(fmt::format("UPDATE schema_version SET version = {} WHERE id = 1", latest)));
  return txn->Commit();
}

}  // namespace unmogrowp
