#pragma once

// PgScratchDatabase: a fresh database with a random name on the test
// PostgreSQL server (TestServerUrl("postgres")), dropped with everything in
// it when the object dies, so tests running in parallel against one server
// never see each other's rows, with the server-side levers that reconnect
// tests pull (refusing connections, ending sessions). For tests only; not
// thread-safe. Destroy every store connected to it first (the drop also
// forces stragglers out).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "core/ids.h"
#include "meta/pg_connection.h"
#include "servers/test_servers.h"

namespace unmogrowp {

class PgScratchDatabase {
 public:
  PgScratchDatabase() : server_url_(testing::TestServerUrl("postgres")) {
    EXPECT_FALSE(server_url_.empty()) << "no test PostgreSQL server";
    if (server_url_.empty()) return;
    auto admin = PgConnection::Open(server_url_);
    EXPECT_TRUE(admin.ok()) << admin.status().ToString();
    if (!admin.ok()) return;
    admin_ = std::move(admin).value();
    name_ = "um_test_" + RandomHexToken(8);
    Status created = admin_->Exec("CREATE DATABASE " + name_).status();
    EXPECT_TRUE(created.ok()) << created.ToString();
    if (!created.ok()) name_.clear();
  }

  ~PgScratchDatabase() {
    if (name_.empty()) return;
    Status dropped = admin_->Exec("DROP DATABASE " + name_ + " WITH (FORCE)").status();
    EXPECT_TRUE(dropped.ok()) << dropped.ToString();
  }

  PgScratchDatabase(const PgScratchDatabase&) = delete;
  PgScratchDatabase& operator=(const PgScratchDatabase&) = delete;

  const std::string& name() const { return name_; }

  // The URL of the scratch database: the server's, with its database name.
  std::string url() const { return WithDatabase(name_); }

  // The server's URL with another database name (the URL has no query part).
  std::string WithDatabase(const std::string& database) const {
    return server_url_.substr(0, server_url_.rfind('/') + 1) + database;
  }

  // A connection to the server's own database, for statements about the
  // scratch database (ALTER DATABASE, pg_terminate_backend).
  PgConnection& admin() { return *admin_; }

  // Lets clients connect to the scratch database or turns them away (those
  // connected stay).
  Status AllowConnections(bool allow) {
    return admin_
        ->Exec(fmt::format("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}", name_,
                           allow ? "true" : "false"))
        .status();
  }

  // Ends the scratch database's sessions named `application_name` from the
  // server side, as a restart would, waiting until they are gone; how many
  // there were.
  Result<int64_t> TerminateSessions(const std::string& application_name) {
    UM_ASSIGN_OR_RETURN(
        PgRows rows,
        admin_->Exec("WITH doomed AS MATERIALIZED (SELECT pid FROM pg_stat_activity "
                     "WHERE datname = $1 AND application_name = $2) SELECT count(*) FROM doomed "
                     "WHERE pg_terminate_backend(pid, 5000)",
                     {name_, application_name}));
    return rows.Int64(0, 0);
  }

 private:
  std::string server_url_;
  std::unique_ptr<PgConnection> admin_;
  std::string name_;
};

}  // namespace unmogrowp
