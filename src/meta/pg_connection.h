#pragma once

// A thin layer over libpq for the PostgreSQL metadata backend: a connection
// opened from a URL, parameterized statements (text in, rows of text out),
// transactions, and PostgreSQL errors mapped to Status.
//
// Thread-safe by one mutex per connection, not a pool: each call (a whole
// transaction, for Transact) holds the connection's mutex, so calls from many
// threads run one after another. Metadata calls are rare and short; a caller
// that needs them in parallel opens more connections.
//
// Reconnects: before each call the connection is checked (a closed socket is
// noticed without a round trip); a broken one (PQstatus != CONNECTION_OK) is
// reset once. A call that loses the connection midway is retried once on the
// fresh connection when that is safe: always for Exec (use it for reads and
// statements that may run twice), and for Transact when the loss came before
// COMMIT was sent (the server rolled the transaction back). Otherwise, and
// when the server cannot be reached, the call fails with Unavailable, naming
// the server (host:port/database, never the password) and libpq's reason.

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace unmogrowp {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;

// "host:port/database as user" for messages, from a URL or key=value string;
// never includes the password.
std::string DescribePgServer(const std::string& url);

// Opens a raw connection to `url` (postgresql://user@host:port/dbname or a
// key=value string), blocking, with a 5 s connect timeout and TCP keepalives
// unless the URL says otherwise. InvalidArgument (field "url") when the URL
// cannot be parsed; Unavailable when the server cannot be reached or refuses
// us. For users that need the PGconn itself (PgListener); others use
// PgConnection.
Result<PgConnPtr> ConnectPg(const std::string& url, std::string_view application_name);

// Maps the error of `result` (may be null) on `conn` to a Status by its
// SQLSTATE: unique violation AlreadyExists, other integrity violations
// FailedPrecondition, bad data InvalidArgument, connection loss, shutdown,
// serialization failures and lock timeouts Unavailable, resource limits
// ResourceExhausted, privileges PermissionDenied, corruption Corruption,
// anything else Internal. The message names `server` and `context`.
Status PgError(PGconn* conn, const PGresult* result, std::string_view server,
               std::string_view context);

// The rows a statement returned, every cell as text (libpq's text format:
// booleans "t"/"f", NULL as ""). A plain value; safe to move between threads.
class PgRows {
 public:
  size_t size() const { return columns_ == 0 ? 0 : cells_.size() / columns_; }
  bool empty() const { return size() == 0; }
  // Rows inserted, updated or deleted by the statement (0 for others).
  int64_t affected() const { return affected_; }

  // Column indexes are 0-based. Parse errors are Corruption, naming the cell.
  const std::string& Text(size_t row, size_t column) const;
  Result<int64_t> Int64(size_t row, size_t column) const;
  Result<double> Double(size_t row, size_t column) const;
  Result<bool> Bool(size_t row, size_t column) const;

 private:
  friend class PgConnection;
  size_t columns_ = 0;
  std::vector<std::string> cells_;  // Row-major.
  int64_t affected_ = 0;
};

// Statement parameters $1, $2, ... as text; the server converts them to the
// column types. A value holding a NUL byte is refused (InvalidArgument): libpq
// would cut it there.
using PgParams = std::vector<std::string>;

class PgConnection;

// The open transaction handed to a Transact body; valid only inside it.
class PgTransaction {
 public:
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;

  Result<PgRows> Exec(const std::string& sql, const PgParams& params = {});
  // Runs one or more statements without parameters (a migration script).
  Status ExecScript(const std::string& sql);

 private:
  friend class PgConnection;
  explicit PgTransaction(PgConnection& conn) : conn_(conn) {}

  PgConnection& conn_;
};

class PgConnection {
 public:
  // Connects to `url`; errors as ConnectPg.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url);

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement on its own (autocommit). Retried once after a lost
  // connection: use it for reads and repeatable statements only.
  Result<PgRows> Exec(const std::string& sql, const PgParams& params = {});

  // Runs `body` between BEGIN and COMMIT (READ COMMITTED); an error from the
  // body, or from any statement in it, rolls back and is returned. `body`
  // may run twice (see the header comment), so it must not have effects
  // outside the transaction that a second run would repeat.
  Status Transact(const std::function<Status(PgTransaction&)>& body);

  // "host:port/database as user": for messages.
  const std::string& server() const { return server_; }

 private:
  friend class PgTransaction;
  PgConnection(std::string server, PgConnPtr conn)
      : server_(std::move(server)), conn_(std::move(conn)) {}

  // Requires mu_. OK when the connection is usable, after one PQreset if it
  // was broken; `*reconnected` is set when a reset was made.
  Status EnsureConnectedLocked(bool* reconnected);
  // Requires mu_. True when the connection is unusable; reads what the
  // server left in the socket to find out.
  bool BrokenLocked();
  Result<PgRows> ExecLocked(const std::string& sql, const PgParams& params);
  Status ExecScriptLocked(const std::string& sql);
  // One BEGIN .. COMMIT; `*commit_sent` says whether COMMIT went out.
  Status TransactOnceLocked(const std::function<Status(PgTransaction&)>& body, bool* commit_sent);

  const std::string server_;
  std::mutex mu_;  // Guards conn_ and every use of it.
  PgConnPtr conn_;
};

}  // namespace unmogrowp
