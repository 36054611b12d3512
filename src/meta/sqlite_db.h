#pragma once

// A thin layer over the SQLite C API for the metadata stores: a connection
// opened with our pragmas, reusable prepared statements, transactions, and
// SQLite result codes mapped to Status.
//
// Not thread-safe: a connection and its statements belong to one owner, who
// serializes every use (SqliteAppStore holds one mutex around all of them).

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace unmogrowp {

class SqliteStatement;

// One open connection in WAL mode with synchronous=FULL (metadata writes are
// rare, and a created key or a rotation must survive power loss), foreign
// keys on, and a 5 s busy timeout.
class SqliteDb {
 public:
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return no rows.
  Status Exec(const std::string& sql);

  Result<SqliteStatement> Prepare(std::string_view sql);

  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t Changes() const;

  // The rowid of the last successful INSERT on this connection.
  int64_t LastInsertRowId() const;

  // Maps a SQLite result code to a Status: constraint violations are
  // AlreadyExists, corruption Corruption, busy/locked Unavailable, SQL and API
  // misuse Internal, the rest IOError. The message names `context`.
  Status Error(int rc, std::string_view context) const;

  sqlite3* handle() const { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}

  sqlite3* db_;
};

// A prepared statement, kept for reuse. Bind, Step until it says no more
// rows, then Reset (StatementReset does it on scope exit) so the statement
// holds no read snapshot between calls. A failed bind is reported by the next
// Step. Its SqliteDb must outlive it.
class SqliteStatement {
 public:
  SqliteStatement() = default;

  // Parameter indexes are 1-based, as in SQLite.
  void BindText(int index, std::string_view value);
  void BindBlob(int index, const void* data, size_t size);
  void BindInt64(int index, int64_t value);
  void BindDouble(int index, double value);

  // True when a row is ready to read, false when the statement is done.
  Result<bool> Step();
  // Steps a statement that returns no rows to completion.
  Status Run();
  // Clears the bindings and rewinds, releasing any read snapshot.
  void Reset();

  // Column indexes are 0-based, as in SQLite.
  int64_t ColumnInt64(int index) const;
  double ColumnDouble(int index) const;
  std::string ColumnText(int index) const;
  std::string_view ColumnBlob(int index) const;

 private:
  friend class SqliteDb;
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  SqliteStatement(const SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void NoteBind(int rc);

  const SqliteDb* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_error_ = SQLITE_OK;
};

// Resets a statement when the scope that uses it ends, on every path.
class StatementReset {
 public:
  explicit StatementReset(SqliteStatement& stmt) : stmt_(stmt) {}
  ~StatementReset() { stmt_.Reset(); }
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;

 private:
  SqliteStatement& stmt_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed uncommitted.
class SqliteTransaction {
 public:
  static Result<std::unique_ptr<SqliteTransaction>> Begin(SqliteDb& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  Status Commit();

 private:
  explicit SqliteTransaction(SqliteDb& db) : db_(db) {}

  SqliteDb& db_;
  bool open_ = true;
};

}  // namespace unmogrowp
