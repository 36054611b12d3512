#pragma once

// Versioned schema migrations for a ClickHouse database. Version N of the
// schema is migrations 1..N applied in order; the versions applied so far
// are rows of the database's `schema_migrations (version UInt32, applied_at
// DateTime)` table (MergeTree, so concurrent inserts are safe), and the
// database is at the highest of them. Migrations only move forward.
//
// ClickHouse has no transactions, so a migration is not atomic: a crash
// after some of its statements but before its version row is written leaves
// them applied and the version missing, and the next start runs the whole
// migration again. Every statement must therefore be safe to run twice:
// `CREATE TABLE/VIEW/DATABASE IF NOT EXISTS`, `DROP ... IF EXISTS`. 18.16 has
// no `ALTER TABLE ... ADD COLUMN IF NOT EXISTS`: a migration with an ALTER
// should hold that one statement only, and an operator has to write its
// version row by hand if a crash lands exactly between the two. Two
// processes migrating at once both run the same idempotent statements and
// may both record the version, which is harmless.
//
// Statements run with the target database as the session's current
// database: write unqualified table names (the database is chosen at run
// time; tests use throwaway ones).
//
// Free functions; thread-safe as far as ClickHouseClient is.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "clickhouse/clickhouse_client.h"
#include "core/result.h"

namespace unmogrowp {

// Named ClickHouseMigration, not Migration: the namespace is shared with the
// SQLite and PostgreSQL metadata schemas.
struct ClickHouseMigration {
  uint32_t version = 0;
  std::vector<std::string> statements;
};

// Creates `database` if missing, then applies, in order, each migration whose
// version is above the database's. `migrations` must be sorted by version,
// strictly increasing and starting above 0 (InvalidArgument otherwise).
// FailedPrecondition when the database is at a version above the last of
// `migrations` (written by a newer binary); nothing is changed then.
Status ApplyClickHouseMigrations(ClickHouseClient& client, std::string_view database,
                                 const std::vector<ClickHouseMigration>& migrations);

// The database's schema version: 0 when `schema_migrations` is empty;
// NotFound when the database or the table does not exist.
Result<uint32_t> ClickHouseSchemaVersion(ClickHouseClient& client, std::string_view database);

}  // namespace unmogrowp
