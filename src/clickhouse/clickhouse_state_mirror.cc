#include "clickhouse/clickhouse_state_mirror.h"

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <map>
#include <thread>
#include <unordered_set>

#include "clickhouse/report_tables.h"
#include "clickhouse/row_binary.h"
#include "clickhouse/state_rows.h"
#include "core/logging.h"

namespace unmogrowp {

namespace {

// The rows of a commit between two of its range deletions, per table, and
// the range deletion that follows them (null for the last).
struct Segment {
  std::map<store::Table, RowBinaryWriter> rows;
  const store::StoreWrite* range_after = nullptr;
};

Result<uint64_t> ReadCount(std::string_view answer) {
  RowBinaryReader reader(answer);
  UM_ASSIGN_OR_RETURN(uint64_t count, reader.ReadUInt64());
  if (!reader.AtEnd()) return Status::Corruption("clickhouse: a count() answer is not one UInt64");
  return count;
}

}  // namespace

Result<std::unique_ptr<ClickHouseStateMirror>> ClickHouseStateMirror::Open(
    const ClickHouseOptions& options, int32_t partition) {
  if (partition < 0) {
    return Status::InvalidArgument("partition", "the mirror's partition must not be negative");
  }
  auto client = std::make_unique<ClickHouseClient>(options);
  UM_RETURN_IF_ERROR(ApplyReportTableMigrations(*client));
  return std::unique_ptr<ClickHouseStateMirror>(
      new ClickHouseStateMirror(std::move(client), partition));
}

ClickHouseStateMirror::ClickHouseStateMirror(std::unique_ptr<ClickHouseClient> client,
                                             int32_t partition)
    : client_(std::move(client)), partition_(partition) {}

uint32_t ClickHouseStateMirror::tables() const { return MirroredTables(); }

uint64_t ClickHouseStateMirror::NextVersion(uint64_t next_offset) {
  if (commits_at_last_offset_ == 0 || next_offset != last_offset_) {
    last_offset_ = next_offset;
    commits_at_last_offset_ = 1;
  } else if (commits_at_last_offset_ < kVersionsPerOffset) {
    ++commits_at_last_offset_;
  } else if (commits_at_last_offset_ == kVersionsPerOffset) {
    ++commits_at_last_offset_;  // warn once per offset
    Log("clickhouse")
        .warn(
            "report mirror of partition {}: more than {} commits at offset {}; their versions "
            "repeat",
            partition_, kVersionsPerOffset, next_offset);
  }
  const uint64_t k = std::min(commits_at_last_offset_, kVersionsPerOffset) - 1;
  return next_offset * kVersionsPerOffset + k;
}

Status ClickHouseStateMirror::Write(const std::vector<store::StoreWrite>& writes,
                                    uint64_t next_offset) {
  const uint64_t version = NextVersion(next_offset);
  size_t ranges = 0;
  for (const store::StoreWrite& w : writes) {
    if (ReportLayoutOf(w.table) == nullptr) {
      return Status::Internal(fmt::format("clickhouse mirror: store table {} is not mirrored",
                                          static_cast<int>(w.table)));
    }
    if (w.op == store::StoreWrite::Op::kDeleteRange) ++ranges;
  }

  // Backwards, so the last write of each key is the one kept; each row goes
  // into the segment (between range deletions) where that write was made.
  std::vector<Segment> segments(ranges + 1);
  size_t segment = ranges;
  std::array<std::unordered_set<std::string_view>, static_cast<size_t>(store::Table::kCount)>
      written;
  for (size_t i = writes.size(); i-- > 0;) {
    const store::StoreWrite& w = writes[i];
    if (w.op == store::StoreWrite::Op::kDeleteRange) {
      segments[--segment].range_after = &w;
      continue;
    }
    auto& keys = written[static_cast<size_t>(w.table)];
    if (keys.count(w.key) != 0) continue;
    RowBinaryWriter& out = segments[segment].rows[w.table];
    const bool deleted = w.op == store::StoreWrite::Op::kDelete;
    UM_ASSIGN_OR_RETURN(bool mirrored, AppendStateRow(*ReportLayoutOf(w.table), w.key,
                                                      deleted ? nullptr : &w.value, &out));
    // A device state without an install: no row, and an earlier write of
    // the key in this commit (a deletion) still counts.
    if (!mirrored) continue;
    out.PutInt32(partition_);
    out.PutUInt64(version);
    out.PutUInt8(deleted ? 1 : 0);
    keys.insert(w.key);
  }

  for (const Segment& s : segments) {
    for (const auto& [table, rows] : s.rows) {
      if (rows.size() == 0) continue;
      const ReportTableLayout& layout = *ReportLayoutOf(table);
      UM_RETURN_IF_ERROR(client_->Insert(
          fmt::format("INSERT INTO {} ({}) FORMAT RowBinary", layout.name, InsertColumns(layout)),
          rows.data()));
    }
    if (s.range_after != nullptr) UM_RETURN_IF_ERROR(DeleteRange(*s.range_after));
  }
  return Status::OK();
}

Status ClickHouseStateMirror::DeleteRange(const store::StoreWrite& write) {
  const ReportTableLayout& layout = *ReportLayoutOf(write.table);
  UM_ASSIGN_OR_RETURN(std::string range, KeyRangeCondition(layout, write.key, write.value));
  const std::string where = fmt::format("src_partition = {} AND {}", partition_, range);
  // A mutation rewrites parts; most retention runs find nothing to delete.
  UM_ASSIGN_OR_RETURN(std::string answer,
                      client_->Query(fmt::format("SELECT count() FROM {} WHERE {} FORMAT RowBinary",
                                                 layout.name, where)));
  UM_ASSIGN_OR_RETURN(uint64_t rows, ReadCount(answer));
  if (rows == 0) return Status::OK();
  UM_RETURN_IF_ERROR(
      client_->Execute(fmt::format("ALTER TABLE {} DELETE WHERE {}", layout.name, where)));
  return WaitForMutations(layout.name);
}

Status ClickHouseStateMirror::WaitForMutations(std::string_view table) {
  const auto deadline = std::chrono::steady_clock::now() + client_->options().request_timeout;
  const std::string sql = fmt::format(
      "SELECT count() FROM system.mutations WHERE database = currentDatabase() AND table = {} AND "
      "is_done = 0 FORMAT RowBinary",
      QuoteClickHouseString(table));
  auto pause = std::chrono::milliseconds(2);
  while (true) {
    UM_ASSIGN_OR_RETURN(std::string answer, client_->Query(sql));
    UM_ASSIGN_OR_RETURN(uint64_t running, ReadCount(answer));
    if (running == 0) return Status::OK();
    if (std::chrono::steady_clock::now() + pause > deadline) {
      return Status::Unavailable(fmt::format(
          "clickhouse at {}: a deletion from {} is still running after {} ms",
          client_->options().server, table, client_->options().request_timeout.count()));
    }
    // Mutations run in ClickHouse's background pool: poll, backing off.
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

}  // namespace unmogrowp
