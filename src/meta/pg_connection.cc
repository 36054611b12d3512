#include "meta/pg_connection.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "core/logging.h"

namespace unmogrowp {

namespace {

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

struct ConninfoDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using ConninfoPtr = std::unique_ptr<PQconninfoOption, ConninfoDeleter>;

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running...?\n"); ours are one line.
std::string OneLine(std::string_view message) {
  std::string out;
  bool space = false;
  for (char c : message) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// The password of a URL's user info ("postgresql://user:secret@host/db"),
// found by hand: used when libpq cannot parse the URL but may quote it.
std::string UserInfoPassword(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  size_t at = rest.find('@');
  if (at == std::string_view::npos) return "";
  std::string_view user_info = rest.substr(0, at);
  size_t colon = user_info.find(':');
  if (colon == std::string_view::npos) return "";
  return std::string(user_info.substr(colon + 1));
}

void ReplaceAll(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
    text.replace(pos, secret.size(), "***");
  }
}

// `message` with any password that `url` holds replaced by "***".
std::string Redact(std::string message, const std::string& url) {
  ReplaceAll(message, UserInfoPassword(url));
  char* error = nullptr;
  ConninfoPtr options(PQconninfoParse(url.c_str(), &error));
  PQfreemem(error);
  if (options) {
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
      if (o->val != nullptr && std::strcmp(o->keyword, "password") == 0)
        ReplaceAll(message, o->val);
    }
  }
  return message;
}

// A statement's first line, shortened: the context of an error message.
std::string Abbreviate(std::string_view sql) {
  std::string line = OneLine(sql);
  constexpr size_t kMax = 80;
  if (line.size() > kMax) line = line.substr(0, kMax) + "...";
  return line;
}

void DropNotice(void*, const char* message) {
  Log("meta").debug("postgres notice: {}", OneLine(message));
}

Status ParseError(std::string_view type, size_t row, size_t column, std::string_view text) {
  return Status::Corruption(fmt::format("postgres: row {} column {}: \"{}\" is not a valid {}", row,
                                        column, text.substr(0, 40), type));
}

}  // namespace

std::string DescribePgServer(const std::string& url) {
  char* error = nullptr;
  ConninfoPtr options(PQconninfoParse(url.c_str(), &error));
  PQfreemem(error);
  if (!options) return "(unparsable URL)";
  std::string host, port, dbname, user;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string_view key = o->keyword;
    if (key == "host" && host.empty()) host = o->val;
    if (key == "hostaddr" && host.empty()) host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
    if (key == "user") user = o->val;
  }
  std::string out = host.empty() ? "local socket" : host;
  out += ":" + (port.empty() ? std::string("5432") : port);
  if (!dbname.empty()) out += "/" + dbname;
  if (!user.empty()) out += " as " + user;
  return out;
}

Result<PgConnPtr> ConnectPg(const std::string& url, std::string_view application_name) {
  {
    char* error = nullptr;
    ConninfoPtr options(PQconninfoParse(url.c_str(), &error));
    if (!options) {
      std::string reason = error != nullptr ? OneLine(error) : "out of memory";
      PQfreemem(error);
      return Status::InvalidArgument(
          "url", fmt::format("postgres URL cannot be parsed: {}", Redact(reason, url)));
    }
  }
  const std::string server = DescribePgServer(url);
  const std::string app_name(application_name);
  // Entries before "dbname" are defaults the URL may override; the one after
  // it is forced (expand_dbname semantics of PQconnectdbParams).
  const char* keywords[] = {
      "connect_timeout",  "application_name", "keepalives_idle", "keepalives_interval",
      "keepalives_count", "dbname",           "client_encoding", nullptr};
  const char* values[] = {"5", app_name.c_str(), "30", "10", "3", url.c_str(), "UTF8", nullptr};
  PgConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (!conn) return Status::ResourceExhausted("postgres: out of memory connecting");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Unavailable(fmt::format("postgres {}: cannot connect: {}", server,
                                           Redact(OneLine(PQerrorMessage(conn.get())), url)));
  }
  PQsetNoticeProcessor(conn.get(), DropNotice, nullptr);
  return conn;
}

Status PgError(PGconn* conn, const PGresult* result, std::string_view server,
               std::string_view context) {
  const char* result_message = result != nullptr ? PQresultErrorMessage(result) : "";
  std::string reason = OneLine(*result_message != '\0' ? result_message
                               : conn != nullptr       ? PQerrorMessage(conn)
                                                       : "no result");
  std::string message = fmt::format("postgres {}: {}: {}", server, context, reason);
  const char* sqlstate_c =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view sqlstate = sqlstate_c != nullptr ? sqlstate_c : "";
  if (conn != nullptr && PQstatus(conn) != CONNECTION_OK) return Status::Unavailable(message);
  if (sqlstate.size() != 5) {
    if (result == nullptr) return Status::ResourceExhausted(message);
    return Status::Internal(message);
  }
  std::string_view klass = sqlstate.substr(0, 2);
  if (sqlstate == "23505") return Status::AlreadyExists(message);
  if (klass == "23") return Status::FailedPrecondition(message);
  if (klass == "22") return Status::InvalidArgument("", message, "invalid_value");
  if (klass == "08" || klass == "57" || klass == "40" || sqlstate == "55P03" ||
      sqlstate == "53300") {
    return Status::Unavailable(message);
  }
  if (klass == "53") return Status::ResourceExhausted(message);
  if (klass == "28" || sqlstate == "42501") return Status::PermissionDenied(message);
  if (sqlstate == "XX001" || sqlstate == "XX002") return Status::Corruption(message);
  if (klass == "58") return Status::IOError(message);
  return Status::Internal(message);
}

const std::string& PgRows::Text(size_t row, size_t column) const {
  return cells_[row * columns_ + column];
}

Result<int64_t> PgRows::Int64(size_t row, size_t column) const {
  const std::string& text = Text(row, column);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return ParseError("integer", row, column, text);
  }
  return value;
}

Result<double> PgRows::Double(size_t row, size_t column) const {
  const std::string& text = Text(row, column);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return ParseError("number", row, column, text);
  }
  return value;
}

Result<bool> PgRows::Bool(size_t row, size_t column) const {
  const std::string& text = Text(row, column);
  if (text == "t") return true;
  if (text == "f") return false;
  return ParseError("boolean", row, column, text);
}

Result<PgRows> PgTransaction::Exec(const std::string& sql, const PgParams& params) {
  return conn_.ExecLocked(sql, params);
}

Status PgTransaction::ExecScript(const std::string& sql) { return conn_.ExecScriptLocked(sql); }

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& url) {
  UM_ASSIGN_OR_RETURN(PgConnPtr conn, ConnectPg(url, "unmogrowp"));
  return std::unique_ptr<PgConnection>(new PgConnection(DescribePgServer(url), std::move(conn)));
}

bool PgConnection::BrokenLocked() {
  PGconn* conn = conn_.get();
  // A server that closed an idle connection (restart, pg_terminate_backend)
  // left its goodbye and an EOF in the socket: reading them (non-blocking; at
  // most a few reads) turns the status bad without a round trip.
  for (int i = 0; i < 3 && PQstatus(conn) == CONNECTION_OK; ++i) {
    if (PQconsumeInput(conn) == 0) break;
  }
  return PQstatus(conn) != CONNECTION_OK;
}

Status PgConnection::EnsureConnectedLocked(bool* reconnected) {
  if (!BrokenLocked()) return Status::OK();
  Log("meta").warn("postgres {}: connection lost ({}); reconnecting", server_,
                   OneLine(PQerrorMessage(conn_.get())));
  *reconnected = true;
  PQreset(conn_.get());
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return Status::Unavailable(fmt::format("postgres {}: connection lost, cannot reconnect: {}",
                                           server_, OneLine(PQerrorMessage(conn_.get()))));
  }
  return Status::OK();
}

Result<PgRows> PgConnection::ExecLocked(const std::string& sql, const PgParams& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& param : params) {
    if (param.find('\0') != std::string::npos) {
      return Status::InvalidArgument("", "a text value holds a NUL byte, which cannot be stored",
                                     "invalid_value");
    }
    values.push_back(param.c_str());
  }
  PgResultPtr result(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()),
                                  nullptr, values.data(), nullptr, nullptr, /*resultFormat=*/0));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return PgError(conn_.get(), result.get(), server_, Abbreviate(sql));
  }
  PgRows rows;
  const int row_count = PQntuples(result.get());
  const int column_count = PQnfields(result.get());
  rows.columns_ = static_cast<size_t>(column_count);
  rows.cells_.reserve(static_cast<size_t>(row_count) * rows.columns_);
  for (int r = 0; r < row_count; ++r) {
    for (int c = 0; c < column_count; ++c) {
      rows.cells_.emplace_back(PQgetvalue(result.get(), r, c),
                               static_cast<size_t>(PQgetlength(result.get(), r, c)));
    }
  }
  const char* affected = PQcmdTuples(result.get());
  std::from_chars(affected, affected + std::strlen(affected), rows.affected_);
  return rows;
}

Status PgConnection::ExecScriptLocked(const std::string& sql) {
  PgResultPtr result(PQexec(conn_.get(), sql.c_str()));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return PgError(conn_.get(), result.get(), server_, Abbreviate(sql));
  }
  return Status::OK();
}

Result<PgRows> PgConnection::Exec(const std::string& sql, const PgParams& params) {
  std::lock_guard lock(mu_);
  bool reconnected = false;
  while (true) {
    UM_RETURN_IF_ERROR(EnsureConnectedLocked(&reconnected));
    Result<PgRows> rows = ExecLocked(sql, params);
    if (rows.ok() || reconnected || !BrokenLocked()) return rows;
  }
}

Status PgConnection::TransactOnceLocked(const std::function<Status(PgTransaction&)>& body,
                                        bool* commit_sent) {
  UM_RETURN_IF_ERROR(ExecLocked("BEGIN", {}).status());
  PgTransaction txn(*this);
  Status status = body(txn);
  if (!status.ok()) {
    // A ROLLBACK that fails leaves a broken connection, which the next call
    // resets; the body's error is the one to report.
    Status rolled_back = ExecScriptLocked("ROLLBACK");
    if (!rolled_back.ok() && PQstatus(conn_.get()) == CONNECTION_OK) {
      Log("meta").warn("postgres {}: ROLLBACK failed: {}", server_, rolled_back.ToString());
    }
    return status;
  }
  *commit_sent = true;
  PgResultPtr result(PQexec(conn_.get(), "COMMIT"));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return PgError(conn_.get(), result.get(), server_, "COMMIT (outcome unknown)");
  }
  // COMMIT of a transaction a failed statement aborted answers ROLLBACK.
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
    return Status::Internal(fmt::format("postgres {}: the transaction was rolled back", server_));
  }
  return Status::OK();
}

Status PgConnection::Transact(const std::function<Status(PgTransaction&)>& body) {
  std::lock_guard lock(mu_);
  bool reconnected = false;
  while (true) {
    UM_RETURN_IF_ERROR(EnsureConnectedLocked(&reconnected));
    bool commit_sent = false;
    Status status = TransactOnceLocked(body, &commit_sent);
    // Lost before COMMIT went out: the server rolled back, so running the
    // body again on a fresh connection cannot apply it twice.
    if (status.ok() || reconnected || commit_sent || !BrokenLocked()) return status;
  }
}

}  // namespace unmogrowp
