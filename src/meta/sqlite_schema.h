#pragma once

// The schema of the SQLite metadata database and its migrations. Version N of
// the schema is the result of applying migrations 1..N in order; the version
// a file is at is kept in its `schema_version` table. Migrations only move
// forward, each in its own transaction.
//
// Not thread-safe: runs on a connection its caller owns, before sharing it.

#include <cstdint>

#include "core/status.h"
#include "meta/sqlite_db.h"

namespace unmogrowp {

// The schema version this binary writes.
int64_t LatestSqliteSchemaVersion();

// Brings the database up to LatestSqliteSchemaVersion(). FailedPrecondition
// when the file was written by a newer binary (a higher version).
Status MigrateSqliteSchema(SqliteDb& db);

}  // namespace unmogrowp
