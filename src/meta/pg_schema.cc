#include "meta/pg_schema.h"

#include <fmt/format.h>

#include <iterator>

namespace unmogrowp {

namespace {

// The advisory lock every migration transaction takes: "umgrowp\x01" as a
// bigint, so it collides with no other user of advisory locks by accident.
constexpr std::string_view kLockSql = "SELECT pg_advisory_xact_lock(8461533016093061121)";

// Append-only: never edit a migration that has shipped; add a new one.
constexpr const char* kMigrations[] = {
    // 1: apps, as the SQLite schema has them (sqlite_schema.cc at version 4).
    // Settings are typed columns; the API key is stored only as its SHA-256.
    // `seq` keeps insertion order, the tie-break of List (SQLite's rowid).
    R"sql(
CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  name TEXT NOT NULL,
  platform TEXT NOT NULL,
  api_key_sha256 BYTEA NOT NULL UNIQUE CHECK (length(api_key_sha256) = 32),
  click_lookback_hours BIGINT NOT NULL,
  impression_lookback_hours BIGINT NOT NULL,
  probabilistic BOOLEAN NOT NULL,
  probabilistic_window_hours BIGINT NOT NULL,
  mta_lookback_days BIGINT NOT NULL,
  time_decay_half_life_hours DOUBLE PRECISION NOT NULL,
  retention_days BIGINT NOT NULL DEFAULT 400,
  demo BOOLEAN NOT NULL DEFAULT false,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX apps_by_creation ON apps (created_ms, seq);
)sql",
    // 2: the audit log (audit_log.h). A BIGSERIAL id: a sequence never hands
    // out a value twice, so ids only ever increase.
    R"sql(
CREATE TABLE audit_log (
  id BIGSERIAL PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  app_id TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_log_by_app ON audit_log (app_id, id);
)sql",
};

// Requires the advisory lock. The highest applied version (0 for none), or
// FailedPrecondition when it is one this binary does not know.
Result<int64_t> AppliedVersion(PgTransaction& txn) {
  UM_ASSIGN_OR_RETURN(PgRows rows,
                      txn.Exec("SELECT COALESCE(max(version), 0) FROM schema_migrations"));
  UM_ASSIGN_OR_RETURN(int64_t version, rows.Int64(0, 0));
  const int64_t latest = LatestPgSchemaVersion();
  if (version > latest) {
    return Status::FailedPrecondition(
        fmt::format("metadata database is at schema version {}, newer than this binary's {}: "
                    "run a binary at least as new as the one that migrated it",
                    version, latest));
  }
  return version;
}

}  // namespace

int64_t LatestPgSchemaVersion() { return static_cast<int64_t>(std::size(kMigrations)); }

Status MigratePgSchema(PgConnection& db) {
  int64_t version = 0;
  // The lock comes first: two sessions creating the same table at once can
  // both fail on the catalog, IF NOT EXISTS notwithstanding.
  UM_RETURN_IF_ERROR(db.Transact([&](PgTransaction& txn) {
    UM_RETURN_IF_ERROR(txn.Exec(std::string(kLockSql)).status());
    UM_RETURN_IF_ERROR(
        txn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 "version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            .status());
    UM_ASSIGN_OR_RETURN(version, AppliedVersion(txn));
    return Status::OK();
  }));

  for (int64_t next = version + 1; next <= LatestPgSchemaVersion(); ++next) {
    Status applied = db.Transact([&](PgTransaction& txn) {
      UM_RETURN_IF_ERROR(txn.Exec(std::string(kLockSql)).status());
      // Another node may have applied it (or more) while we waited.
      UM_ASSIGN_OR_RETURN(int64_t current, AppliedVersion(txn));
      if (current >= next) return Status::OK();
      UM_RETURN_IF_ERROR(txn.ExecScript(kMigrations[next - 1]));
      return txn
          .Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())",
                {std::to_string(next)})
          .status();
    });
    if (!applied.ok()) return applied.WithContext(fmt::format("migration {}", next));
  }
  return Status::OK();
}

}  // namespace unmogrowp
