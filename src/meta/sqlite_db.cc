#include "meta/sqlite_db.h"

#include <fmt/format.h>

namespace unmogrowp {

namespace {

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (raw == nullptr) return Status::ResourceExhausted("sqlite: out of memory opening " + path);
  // From here the handle is owned, even when the open failed.
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw));
  if (rc != SQLITE_OK) return db->Error(rc, "open " + path);
  sqlite3_extended_result_codes(raw, 1);
  rc = sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  if (rc != SQLITE_OK) return db->Error(rc, "busy_timeout");

  UM_ASSIGN_OR_RETURN(SqliteStatement wal, db->Prepare("PRAGMA journal_mode=WAL"));
  UM_ASSIGN_OR_RETURN(bool has_row, wal.Step());
  if (!has_row || wal.ColumnText(0) != "wal") {
    return Status::FailedPrecondition(fmt::format("sqlite: {} cannot use WAL journal mode", path));
  }
  wal.Reset();
  UM_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return db;
}

SqliteDb::~SqliteDb() {
  // Every statement is finalized by now (they must not outlive the
  // connection), so close cannot fail with SQLITE_BUSY.
  sqlite3_close(db_);
}

Status SqliteDb::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // Error() reads the same text from the connection.
  if (rc != SQLITE_OK) return Error(rc, sql);
  return Status::OK();
}

Result<SqliteStatement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return Error(rc, fmt::format("prepare \"{}\"", sql));
  }
  return SqliteStatement(this, stmt);
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

int64_t SqliteDb::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

Status SqliteDb::Error(int rc, std::string_view context) const {
  std::string message =
      fmt::format("sqlite: {}: {} ({})", context, sqlite3_errmsg(db_), sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return Status::AlreadyExists(std::move(message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(message));
    case SQLITE_NOMEM:
      return Status::ResourceExhausted(std::move(message));
    case SQLITE_ERROR:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return Status::Internal(std::move(message));
    default:
      return Status::IOError(std::move(message));
  }
}

void SqliteStatement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void SqliteStatement::BindText(int index, std::string_view value) {
  // A null pointer would bind SQL NULL, not the empty string.
  const char* data = value.data() != nullptr ? value.data() : "";
  NoteBind(sqlite3_bind_text(stmt_.get(), index, data, static_cast<int>(value.size()),
                             SQLITE_TRANSIENT));
}

void SqliteStatement::BindBlob(int index, const void* data, size_t size) {
  NoteBind(sqlite3_bind_blob(stmt_.get(), index, data, static_cast<int>(size), SQLITE_TRANSIENT));
}

void SqliteStatement::BindInt64(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_.get(), index, value));
}

void SqliteStatement::BindDouble(int index, double value) {
  NoteBind(sqlite3_bind_double(stmt_.get(), index, value));
}

Result<bool> SqliteStatement::Step() {
  if (bind_error_ != SQLITE_OK) return db_->Error(bind_error_, "bind");
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, sqlite3_sql(stmt_.get()));
}

Status SqliteStatement::Run() {
  UM_ASSIGN_OR_RETURN(bool has_row, Step());
  if (has_row)
    return Status::Internal(fmt::format("sqlite: \"{}\" returned a row", sqlite3_sql(stmt_.get())));
  return Status::OK();
}

void SqliteStatement::Reset() {
  // sqlite3_reset repeats the last step's error, which Step already reported.
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_error_ = SQLITE_OK;
}

int64_t SqliteStatement::ColumnInt64(int index) const {
  return sqlite3_column_int64(stmt_.get(), index);
}

double SqliteStatement::ColumnDouble(int index) const {
  return sqlite3_column_double(stmt_.get(), index);
}

std::string SqliteStatement::ColumnText(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), index);
  int size = sqlite3_column_bytes(stmt_.get(), index);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::string_view SqliteStatement::ColumnBlob(int index) const {
  const void* data = sqlite3_column_blob(stmt_.get(), index);
  int size = sqlite3_column_bytes(stmt_.get(), index);
  if (data == nullptr) return std::string_view();
  return std::string_view(static_cast<const char*>(data), static_cast<size_t>(size));
}

Result<std::unique_ptr<SqliteTransaction>> SqliteTransaction::Begin(SqliteDb& db) {
  UM_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<SqliteTransaction>(new SqliteTransaction(db));
}

SqliteTransaction::~SqliteTransaction() {
  if (!open_) return;
  // Only reached on an error path, and the caller returns that error. Should
  // the rollback fail too, the transaction stays open and the next BEGIN
  // reports it.
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Status SqliteTransaction::Commit() {
  UM_RETURN_IF_ERROR(db_.Exec("COMMIT"));
  open_ = false;
  return Status::OK();
}

}  // namespace unmogrowp
