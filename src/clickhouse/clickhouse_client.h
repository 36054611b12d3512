#pragma once

// ClickHouseClient: SQL over ClickHouse's HTTP interface (libcurl; Debian
// has no C++ ClickHouse client). Works with Debian's 18.16 and current
// servers.
//
// Every call is one POST. Queries send the SQL as the body and get the
// answer's bytes back in whatever FORMAT the SQL names (TabSeparated when it
// names none); inserts send `?query=INSERT ... FORMAT RowBinary` in the URL
// and the rows as the body.
//
// Errors: a server that cannot be reached, refuses the connection, or does
// not answer within the timeouts is Unavailable naming it. An answer with
// ClickHouse's exception carries that text: InvalidArgument for a syntax
// error, NotFound for an unknown table or database, Unauthenticated for a
// bad user or password, Unavailable for overload (too many queries, too
// many parts, server-side timeouts), Internal for the rest. After a failed
// Insert the rows may or may not have been written, in part or in whole --
// even later: measured on 18.16, a 200,000-row insert sent to a paused
// server and timed out by the client still lands once the server resumes
// (clickhouse_state_mirror.h says how the mirror stays exact anyway).
//
// Thread-safe: calls may run concurrently from any threads. Idle curl
// handles (and their keep-alive connections) are pooled; inserts always use
// a fresh connection so that curl never silently re-sends one on a reused
// connection that the server has just closed.

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clickhouse/clickhouse_url.h"
#include "core/result.h"

namespace unmogrowp {

// Per-call settings, sent as URL parameters.
struct ClickHouseCall {
  // Overrides ClickHouseOptions::database for this call; "" sends none, so
  // the server's default database applies (needed before ours exists).
  std::optional<std::string> database;
  // ClickHouse settings for this call only, e.g. {"max_threads", "1"}.
  std::vector<std::pair<std::string, std::string>> settings;
};

class ClickHouseClient {
 public:
  explicit ClickHouseClient(ClickHouseOptions options);
  ~ClickHouseClient();
  ClickHouseClient(const ClickHouseClient&) = delete;
  ClickHouseClient& operator=(const ClickHouseClient&) = delete;

  // Runs one statement and returns the answer's body. The server buffers the
  // whole answer before sending it (wait_end_of_query), so an error midway
  // through a large result is an error here, not a truncated body.
  Result<std::string> Query(std::string_view sql, const ClickHouseCall& call = {});

  // Query for statements whose answer is empty (DDL, INSERT ... VALUES/SELECT).
  Status Execute(std::string_view sql, const ClickHouseCall& call = {});

  // Sends `rowbinary_body` as the data of `insert_sql_prefix`, e.g.
  // "INSERT INTO db.t (a, b) FORMAT RowBinary". The server writes it in
  // blocks of max_insert_block_size rows (1,048,576 by default), each
  // block atomically per table partition, in order.
  Status Insert(std::string_view insert_sql_prefix, std::string_view rowbinary_body,
                const ClickHouseCall& call = {});

  const ClickHouseOptions& options() const { return options_; }

 private:
  struct CurlHandleDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
  };
  using CurlHandle = std::unique_ptr<CURL, CurlHandleDeleter>;

  Result<std::string> Post(std::string_view query_in_url, std::string_view body,
                           const ClickHouseCall& call, bool wait_end_of_query,
                           bool fresh_connection);
  std::string CallUrl(std::string_view query_in_url, const ClickHouseCall& call,
                      bool wait_end_of_query) const;
  CurlHandle AcquireHandle();
  void ReleaseHandle(CurlHandle handle);

  const ClickHouseOptions options_;
  // The headers every request sends. Read-only once built.
  curl_slist* headers_ = nullptr;
  std::mutex mu_;
  std::vector<CurlHandle> idle_;  // guarded by mu_
};

}  // namespace unmogrowp
