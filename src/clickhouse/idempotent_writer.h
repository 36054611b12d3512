#pragma once

// IdempotentWriter: exactly-once inserts of derived rows into one ClickHouse
// table without Replicated tables (18.16 deduplicates inserts only on
// Replicated*MergeTree).
//
// Contract. Every row written this way comes from one event-log position:
// the table has columns `src_partition Int32` and `src_offset UInt64`
// (the writer fills them in). One log partition is written by one writer at
// a time, in offset order; a retry after a failure re-sends the same rows or
// a range overlapping them. Several rows may share an offset (one event, many
// rows); they are always written together.
//
// The argument. The table's rows of partition p are always a prefix of p's
// rows by offset, so `max(src_offset)` over them -- the high-water mark -- is
// all a writer needs: rows at or below it are already there and are dropped,
// the rest are inserted. It holds because
//   1. each insert is one block: Write cuts its rows into inserts of at most
//      max_rows_per_insert rows (never between two rows of one offset) and
//      sets max_insert_block_size to match, and ClickHouse writes one block
//      as one part per table partition, each part atomically;
//   2. inserts of p run one at a time in offset order, and the writer
//      advances its in-memory mark only after the server confirmed one;
//   3. after any failed insert (whose outcome is unknown: it may have
//      landed, and an insert that timed out may even still land later) the
//      writer fences before it re-reads the mark: every insert goes not into
//      the table itself but into a per-partition "write table"
//      `<table>__w_p<p>_<random>`, a Buffer table over the table whose
//      thresholds are 0, so ClickHouse passes each block straight through to
//      the table (and on to its materialized views) inside the insert.
//      Recovery DROPs every write table of p: the DROP waits for a running
//      insert into it to finish, and an insert that reaches the server after
//      it fails because its table is gone. Only then is the mark read
//      (`SELECT max(src_offset), count() ... WHERE src_partition = p`:
//      count() tells "no rows" from "offset 0"), and a new write table made.
//      Measured on 18.16: a 200,000-row insert sent to a paused server and
//      timed out by the client still lands after the server resumes; without
//      the fence, a retry that read the mark first would write it twice.
// The first Write of a partition runs the same recovery, which also fences
// the leftover write tables of a crashed process.
//
// Limits.
//   - A zombie writer: a second writer on the same partition (a worker that
//     lost the partition but does not know it yet) can interleave with this
//     one and write rows twice. Each writer's recovery drops the other's
//     write tables, which stops most of it, but the pipeline's partition
//     ownership is what guarantees one writer. Recovery logs an error when
//     the row count it reads is not what its own inserts explain.
//   - A block whose rows fall into several table partitions (PARTITION BY)
//     is written as several parts, one after another; if the server dies
//     between them, a later part may be there without an earlier one and the
//     mark then hides the missing rows (the count check above logs it). Keep
//     one Write's rows in few table partitions (e.g. monthly partitions).
//   - ClickHouse 18.16 writes the table before its materialized views, so a
//     server crash between the two leaves the views without that block.
//   - ClickHouse does not fsync new parts: power loss can lose rows the mark
//     already counted.
//   - Reading the mark scans the partition's rows unless the table's ORDER
//     BY starts with (src_partition, src_offset); it runs only on a
//     partition's first write and after failures.
//   - The write tables live next to the table (one Buffer table per
//     partition; on 18.16 each Buffer table has an idle flush thread). After
//     an ALTER of the table, ReleasePartition (or restart) so new write
//     tables copy the new structure.
//
// Thread-safe: Writes to different partitions run concurrently; Writes to
// one partition are serialized. The ClickHouseClient must outlive the writer.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "clickhouse/clickhouse_client.h"
#include "core/result.h"

namespace unmogrowp {

// One row to write: its event-log position and the RowBinary encoding of the
// writer's `columns` (IdempotentWriterOptions) in order -- without
// src_partition and src_offset, which the writer adds from these fields.
struct EncodedRow {
  int32_t partition = 0;
  uint64_t offset = 0;
  std::string bytes;
};

struct IdempotentWriterOptions {
  std::string database;
  std::string table;
  // The columns each EncodedRow::bytes holds, in order. Unlisted columns get
  // their defaults.
  std::vector<std::string> columns;
  // Most rows per insert. Must not be above what one block can hold; rows of
  // one offset are never split, so an offset with more rows than this makes
  // one larger insert.
  size_t max_rows_per_insert = 500'000;
  // Most body bytes per insert (bounds the memory of one insert on both ends).
  size_t max_bytes_per_insert = size_t{128} << 20;
};

class IdempotentWriter {
 public:
  // Checks the names and that the table exists with `src_partition Int32`,
  // `src_offset UInt64` and every listed column. NotFound without the table;
  // FailedPrecondition when a column is missing or has the wrong type.
  static Result<std::unique_ptr<IdempotentWriter>> Open(ClickHouseClient& client,
                                                        IdempotentWriterOptions options);
  IdempotentWriter(const IdempotentWriter&) = delete;
  IdempotentWriter& operator=(const IdempotentWriter&) = delete;

  // Writes the rows of `rows` above the partition's high-water mark. `rows`
  // must all be of `partition` (>= 0) and sorted by offset (InvalidArgument
  // otherwise). On error some of the rows may have been written; call again
  // with the same rows (or a range starting earlier) and each row ends up in
  // the table once.
  Status Write(int32_t partition, const std::vector<EncodedRow>& rows);

  // Drops this writer's write table for `partition` and forgets its mark (for
  // a partition handed to another worker, or before shutdown). A later Write
  // of the partition starts afresh.
  Status ReleasePartition(int32_t partition);

  // The highest offset of `partition` known to be in the table; nullopt when
  // it has no rows or the writer has not read its mark yet.
  std::optional<uint64_t> HighWaterMark(int32_t partition) const;

 private:
  struct PartitionState {
    std::mutex mu;
    // The mark was read after the last fence and write_table is usable.
    bool ready = false;
    // The table's row count of the partition is known (read once, then
    // advanced by confirmed inserts).
    bool count_known = false;
    uint64_t count = 0;
    bool has_rows = false;
    uint64_t mark = 0;
    // Rows of the insert that failed, for recovery's count check.
    uint64_t in_doubt = 0;
    std::string write_table;
  };

  IdempotentWriter(ClickHouseClient& client, IdempotentWriterOptions options);
  PartitionState& StateOf(int32_t partition);
  // Fences the partition's write tables, reads the mark, makes a write table.
  Status Recover(int32_t partition, PartitionState& state);
  Status DropWriteTables(int32_t partition);
  std::string WriteTablePrefix(int32_t partition) const;
  size_t ChunkEnd(const std::vector<EncodedRow>& rows, size_t begin) const;

  ClickHouseClient& client_;
  const IdempotentWriterOptions options_;
  // "`src_partition`, `src_offset`, `c1`, ..." for the insert statements.
  const std::string column_list_;
  mutable std::mutex mu_;
  std::map<int32_t, std::unique_ptr<PartitionState>> partitions_;  // guarded by mu_
};

}  // namespace unmogrowp
