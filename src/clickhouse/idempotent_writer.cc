#include "clickhouse/idempotent_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "clickhouse/row_binary.h"
#include "core/ids.h"
#include "core/logging.h"

namespace unmogrowp {

namespace {

// Rows of one RowBinary block in ClickHouse's default settings; an insert
// above it would be split into several blocks.
constexpr size_t kDefaultMaxInsertBlockSize = 1'048'576;

std::string ColumnList(const std::vector<std::string>& columns) {
  std::string list = "src_partition, src_offset";
  for (const std::string& column : columns) list += ", " + column;
  return list;
}

ClickHouseCall InDatabase(const std::string& database) {
  ClickHouseCall call;
  call.database = database;
  return call;
}

}  // namespace

Result<std::unique_ptr<IdempotentWriter>> IdempotentWriter::Open(ClickHouseClient& client,
                                                                 IdempotentWriterOptions options) {
  if (!IsClickHouseIdentifier(options.database)) {
    return Status::InvalidArgument("database",
                                   fmt::format("'{}' is not a plain identifier", options.database));
  }
  // Room for the write tables' suffix "__w_p<10 digits>_<16 hex>".
  if (!IsClickHouseIdentifier(options.table) || options.table.size() > 96) {
    return Status::InvalidArgument(
        "table", fmt::format("'{}' is not a plain identifier of at most 96 chars", options.table));
  }
  if (options.max_rows_per_insert == 0 || options.max_bytes_per_insert == 0) {
    return Status::InvalidArgument("max_rows_per_insert", "the insert limits must be above 0");
  }
  std::set<std::string> wanted = {"src_partition", "src_offset"};
  for (const std::string& column : options.columns) {
    if (!IsClickHouseIdentifier(column) || !wanted.insert(column).second) {
      return Status::InvalidArgument(
          "columns", fmt::format("'{}' is not a plain identifier or is listed twice (src_partition "
                                 "and src_offset are added by the writer)",
                                 column));
    }
  }

  UM_ASSIGN_OR_RETURN(
      std::string answer,
      client.Query(fmt::format("SELECT name, type FROM system.columns WHERE database = '{}' AND "
                               "table = '{}' FORMAT RowBinary",
                               options.database, options.table),
                   InDatabase("")));
  RowBinaryReader reader(answer);
  std::map<std::string, std::string, std::less<>> types;
  while (!reader.AtEnd()) {
    UM_ASSIGN_OR_RETURN(std::string_view name, reader.ReadString());
    UM_ASSIGN_OR_RETURN(std::string_view type, reader.ReadString());
    types.emplace(name, type);
  }
  const std::string table = options.database + "." + options.table;
  if (types.empty()) return Status::NotFound(fmt::format("clickhouse: no table {}", table));
  for (const auto& [column, type] :
       {std::pair{"src_partition", "Int32"}, {"src_offset", "UInt64"}}) {
    auto it = types.find(column);
    if (it == types.end() || it->second != type) {
      return Status::FailedPrecondition(fmt::format(
          "clickhouse: {} needs a column `{} {}` to be written exactly once", table, column, type));
    }
  }
  for (const std::string& column : options.columns) {
    if (types.find(column) == types.end()) {
      return Status::FailedPrecondition(
          fmt::format("clickhouse: {} has no column {}", table, column));
    }
  }
  return std::unique_ptr<IdempotentWriter>(new IdempotentWriter(client, std::move(options)));
}

IdempotentWriter::IdempotentWriter(ClickHouseClient& client, IdempotentWriterOptions options)
    : client_(client), options_(std::move(options)), column_list_(ColumnList(options_.columns)) {}

IdempotentWriter::PartitionState& IdempotentWriter::StateOf(int32_t partition) {
  std::lock_guard lock(mu_);
  std::unique_ptr<PartitionState>& state = partitions_[partition];
  if (state == nullptr) state = std::make_unique<PartitionState>();
  return *state;
}

std::string IdempotentWriter::WriteTablePrefix(int32_t partition) const {
  return fmt::format("{}__w_p{}_", options_.table, partition);
}

Status IdempotentWriter::DropWriteTables(int32_t partition) {
  UM_ASSIGN_OR_RETURN(
      std::string answer,
      client_.Query(fmt::format("SELECT name FROM system.tables WHERE database = '{}' AND "
                                "startsWith(name, '{}') FORMAT RowBinary",
                                options_.database, WriteTablePrefix(partition)),
                    InDatabase("")));
  RowBinaryReader reader(answer);
  while (!reader.AtEnd()) {
    UM_ASSIGN_OR_RETURN(std::string_view name, reader.ReadString());
    // DROP waits for inserts running into the table; later ones find no table.
    UM_RETURN_IF_ERROR(client_.Execute(
        fmt::format("DROP TABLE IF EXISTS {}.`{}`", options_.database, name), InDatabase("")));
  }
  return Status::OK();
}

Status IdempotentWriter::Recover(int32_t partition, PartitionState& state) {
  state.write_table.clear();
  UM_RETURN_IF_ERROR(DropWriteTables(partition));

  UM_ASSIGN_OR_RETURN(
      std::string answer,
      client_.Query(
          fmt::format("SELECT max(src_offset), count() FROM {}.{} WHERE src_partition = {} "
                      "FORMAT RowBinary",
                      options_.database, options_.table, partition),
          InDatabase("")));
  RowBinaryReader reader(answer);
  UM_ASSIGN_OR_RETURN(uint64_t max_offset, reader.ReadUInt64());
  UM_ASSIGN_OR_RETURN(uint64_t count, reader.ReadUInt64());
  if (!reader.AtEnd()) {
    return Status::Corruption(
        fmt::format("clickhouse: high-water mark of {}.{}: unexpected answer of {} bytes",
                    options_.database, options_.table, answer.size()));
  }
  if (state.count_known && count != state.count && count != state.count + state.in_doubt) {
    Log("clickhouse")
        .error(
            "{}.{} partition {}: {} rows after a failed insert, expected {} or {}: a partial "
            "multi-partition block or a second writer of the partition",
            options_.database, options_.table, partition, count, state.count,
            state.count + state.in_doubt);
  }
  state.count_known = true;
  state.count = count;
  state.has_rows = count > 0;
  state.mark = max_offset;
  state.in_doubt = 0;

  const std::string name = WriteTablePrefix(partition) + RandomHexToken(8);
  // Buffer(database, table, layers, min_time, max_time, min_rows, max_rows,
  // min_bytes, max_bytes): every block exceeds max_rows = 0, so each one is
  // written straight to the table within the insert and nothing is buffered.
  UM_RETURN_IF_ERROR(client_.Execute(
      fmt::format("CREATE TABLE {0}.`{1}` AS {0}.{2} ENGINE = Buffer({0}, {2}, 1, 86400, 86400, 0, "
                  "0, 0, 0)",
                  options_.database, name, options_.table),
      InDatabase("")));
  state.write_table = name;
  state.ready = true;
  return Status::OK();
}

size_t IdempotentWriter::ChunkEnd(const std::vector<EncodedRow>& rows, size_t begin) const {
  size_t end = begin;
  size_t bytes = 0;
  while (end < rows.size()) {
    // The rows of one offset go together.
    size_t group_end = end + 1;
    size_t group_bytes = rows[end].bytes.size() + 12;
    while (group_end < rows.size() && rows[group_end].offset == rows[end].offset) {
      group_bytes += rows[group_end].bytes.size() + 12;
      ++group_end;
    }
    if (end > begin && (group_end - begin > options_.max_rows_per_insert ||
                        bytes + group_bytes > options_.max_bytes_per_insert)) {
      break;
    }
    bytes += group_bytes;
    end = group_end;
  }
  return end;
}

Status IdempotentWriter::Write(int32_t partition, const std::vector<EncodedRow>& rows) {
  if (partition < 0) {
    return Status::InvalidArgument("partition", fmt::format("{} is negative", partition));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].partition != partition) {
      return Status::InvalidArgument("rows", fmt::format("row {} is of partition {}, not {}", i,
                                                         rows[i].partition, partition));
    }
    if (i > 0 && rows[i].offset < rows[i - 1].offset) {
      return Status::InvalidArgument(
          "rows", fmt::format("row {} (offset {}) comes after offset {}: rows must be sorted by "
                              "offset",
                              i, rows[i].offset, rows[i - 1].offset));
    }
  }
  if (rows.empty()) return Status::OK();

  PartitionState& state = StateOf(partition);
  std::lock_guard lock(state.mu);
  if (!state.ready) {
    Status status = Recover(partition, state);
    if (!status.ok()) {
      return status.WithContext(
          fmt::format("{}.{} partition {}", options_.database, options_.table, partition));
    }
  }

  size_t begin = 0;
  if (state.has_rows) {
    begin = static_cast<size_t>(
        std::upper_bound(rows.begin(), rows.end(), state.mark,
                         [](uint64_t mark, const EncodedRow& row) { return mark < row.offset; }) -
        rows.begin());
  }
  const std::string insert = fmt::format("INSERT INTO {}.`{}` ({}) FORMAT RowBinary",
                                         options_.database, state.write_table, column_list_);
  RowBinaryWriter body;
  while (begin < rows.size()) {
    const size_t end = ChunkEnd(rows, begin);
    body.Clear();
    for (size_t i = begin; i < end; ++i) {
      body.PutInt32(partition);
      body.PutUInt64(rows[i].offset);
      body.PutRaw(rows[i].bytes);
    }
    ClickHouseCall call = InDatabase("");
    call.settings.emplace_back("max_insert_block_size",
                               std::to_string(std::max(end - begin, kDefaultMaxInsertBlockSize)));
    Status status = client_.Insert(insert, body.data(), call);
    if (!status.ok()) {
      state.ready = false;
      state.in_doubt = end - begin;
      Log("clickhouse")
          .warn(
              "{}.{} partition {}: insert of offsets {}..{} failed, will fence and re-read the "
              "high-water mark: {}",
              options_.database, options_.table, partition, rows[begin].offset,
              rows[end - 1].offset, status.ToString());
      return status.WithContext(
          fmt::format("{}.{} partition {}", options_.database, options_.table, partition));
    }
    state.has_rows = true;
    state.mark = rows[end - 1].offset;
    state.count += end - begin;
    begin = end;
  }
  return Status::OK();
}

Status IdempotentWriter::ReleasePartition(int32_t partition) {
  PartitionState& state = StateOf(partition);
  std::lock_guard lock(state.mu);
  if (!state.write_table.empty()) {
    UM_RETURN_IF_ERROR(client_.Execute(
        fmt::format("DROP TABLE IF EXISTS {}.`{}`", options_.database, state.write_table),
        InDatabase("")));
  }
  state.ready = false;
  state.count_known = false;
  state.has_rows = false;
  state.in_doubt = 0;
  state.write_table.clear();
  return Status::OK();
}

std::optional<uint64_t> IdempotentWriter::HighWaterMark(int32_t partition) const {
  std::unique_lock lock(mu_);
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return std::nullopt;
  PartitionState& state = *it->second;
  lock.unlock();
  std::lock_guard state_lock(state.mu);
  if (!state.count_known || !state.has_rows) return std::nullopt;
  return state.mark;
}

}  // namespace unmogrowp
