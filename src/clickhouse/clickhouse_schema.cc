#include "clickhouse/clickhouse_schema.h"

#include <fmt/format.h>

#include "clickhouse/row_binary.h"
#include "core/logging.h"

namespace unmogrowp {

namespace {

ClickHouseCall In(std::string_view database) {
  ClickHouseCall call;
  call.database = std::string(database);
  return call;
}

}  // namespace

Result<uint32_t> ClickHouseSchemaVersion(ClickHouseClient& client, std::string_view database) {
  if (!IsClickHouseIdentifier(database)) {
    return Status::InvalidArgument("database",
                                   fmt::format("'{}' is not a plain identifier", database));
  }
  UM_ASSIGN_OR_RETURN(
      std::string answer,
      client.Query(
          fmt::format("SELECT toUInt32(max(version)) FROM {}.schema_migrations FORMAT RowBinary",
                      database),
          In("")));
  RowBinaryReader reader(answer);
  UM_ASSIGN_OR_RETURN(uint32_t version, reader.ReadUInt32());
  if (!reader.AtEnd()) {
    return Status::Corruption(
        fmt::format("clickhouse: {}.schema_migrations: unexpected answer of {} bytes", database,
                    answer.size()));
  }
  return version;
}

Status ApplyClickHouseMigrations(ClickHouseClient& client, std::string_view database,
                                 const std::vector<ClickHouseMigration>& migrations) {
  if (!IsClickHouseIdentifier(database)) {
    return Status::InvalidArgument("database",
                                   fmt::format("'{}' is not a plain identifier", database));
  }
  uint32_t previous = 0;
  for (const ClickHouseMigration& migration : migrations) {
    if (migration.version <= previous) {
      return Status::InvalidArgument(
          "migrations",
          fmt::format("version {} follows {}: versions must start above 0 and increase",
                      migration.version, previous));
    }
    previous = migration.version;
  }
  const uint32_t latest = previous;

  // The server's default database: ours may not exist yet.
  UM_RETURN_IF_ERROR(
      client.Execute(fmt::format("CREATE DATABASE IF NOT EXISTS {}", database), In("")));
  UM_RETURN_IF_ERROR(client.Execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, applied_at DateTime) "
      "ENGINE = MergeTree() ORDER BY version",
      In(database)));
  UM_ASSIGN_OR_RETURN(uint32_t current, ClickHouseSchemaVersion(client, database));
  if (current > latest) {
    return Status::FailedPrecondition(fmt::format(
        "ClickHouse database {} is at schema version {}, newer than this binary's {}: run a newer "
        "binary",
        database, current, latest));
  }
  for (const ClickHouseMigration& migration : migrations) {
    if (migration.version <= current) continue;
    for (size_t i = 0; i < migration.statements.size(); ++i) {
      Status status = client.Execute(migration.statements[i], In(database));
      if (!status.ok()) {
        return status.WithContext(fmt::format("ClickHouse migration {} statement {} in {}",
                                              migration.version, i + 1, database));
      }
    }
    UM_RETURN_IF_ERROR(client.Execute(
        fmt::format("INSERT INTO schema_migrations (version, applied_at) VALUES ({}, now())",
                    migration.version),
        In(database)));
    Log("clickhouse").info("database {}: applied schema migration {}", database, migration.version);
  }
  return Status::OK();
}

}  // namespace unmogrowp
