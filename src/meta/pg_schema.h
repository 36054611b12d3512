#pragma once

// The schema of the PostgreSQL metadata database and its migrations, the
// counterpart of sqlite_schema.h. Version N of the schema is the result of
// applying migrations 1..N in order; each applied migration is a row of
// `schema_migrations(version, applied_at)`. Migrations only move forward,
// each in its own transaction.
//
// Several API nodes may start at once against one database: every migration
// transaction first takes a transaction-scoped advisory lock
// (pg_advisory_xact_lock), so one node applies a migration while the others
// wait and then find it applied.
//
// Thread-safe in the sense of PgConnection (its calls are serialized).

#include <cstdint>

#include "core/status.h"
#include "meta/pg_connection.h"

namespace unmogrowp {

// The schema version this binary writes.
int64_t LatestPgSchemaVersion();

// Brings the database up to LatestPgSchemaVersion(). FailedPrecondition when
// schema_migrations holds a version this binary does not know (written by a
// newer binary): nothing is changed then.
Status MigratePgSchema(PgConnection& db);

}  // namespace unmogrowp
