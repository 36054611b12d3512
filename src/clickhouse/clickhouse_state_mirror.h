#pragma once

// ClickHouseStateMirror: the StateMirror (pipeline/state_mirror.h) that
// keeps one partition's report tables in ClickHouse (report_tables.h), so
// that the reports of a scaled-out deployment -- one state store per Kafka
// partition -- read every partition at once (clickhouse_report_data.h;
// docs/scale-out.md, "ClickHouse: the report tables").
//
// Each Put becomes a row (state_rows.h) with deleted = 0, each Delete a
// tombstone (the key's columns, deleted = 1), all tagged src_partition =
// the mirror's partition and
//
//   version = next_offset * 4096 + k
//
// where k counts the earlier commits this mirror object made at the same
// next_offset (retention commits several times at one checkpoint; k stops
// growing at 4095, see below). Within a commit the last write of a key is
// the one sent: the same key twice in one commit would be two rows of one
// version, which FINAL could collapse either way.
//
// Why versions are enough, without insert deduplication (18.16 has it only
// on Replicated tables) or a fence (a per-writer staging table dropped on
// recovery, say):
//   - A retried commit (its insert landed, the store write after it did
//     not) sends the same rows again: the replay is deterministic, so they
//     have the same keys and values, and versions at least as high. FINAL
//     collapses them into one.
//   - A later change of a row carries a higher version and wins; a
//     deletion's tombstone too.
//   - An insert that arrives late -- ClickHouse applies an insert the
//     client timed out on once the server resumes (measured on 18.16, see
//     clickhouse_client.h) -- carries the values that were right at its
//     version: if nothing newer was written since, they equal what the
//     replay wrote; if something was, the newer version wins. Replay from
//     an older checkpoint likewise writes lower versions than rows already
//     there from beyond it, which show until processing passes them again:
//     the tables converge to the state at the checkpoint the pipeline
//     reaches. Batches may end elsewhere on replay; that changes versions,
//     not values at an offset.
// k is per object, so a restarted worker counts from 0 again at the
// checkpoint it resumes from; the rows it may write there repeat the state
// at that checkpoint, so equal versions carry equal values. Past 4095
// commits at one offset (thousands of retention runs without a single new
// record) versions repeat; that is logged.
//
// A DeleteRange (app deletion; retention's ranges on events, touches and
// conversions) becomes `ALTER TABLE t DELETE WHERE src_partition = p AND
// <the range on the key columns>` (state_rows.h; a range it cannot
// translate fails the commit with Internal), sent in its place among the
// commit's writes: rows of the commit before it are inserted first, rows
// after it later. A mutation changes only the parts that exist when it
// starts, so Write skips it when no row matches and waits (up to the
// request timeout) until ClickHouse has applied it, so that reads see the
// deletion, like the store's. The one gap versions do not close: an insert
// that arrives late, after a mutation deleted its rows' range, brings them
// back -- a deleted app's rows (which no report reads: the app is gone) or
// events past retention until the next retention run deletes them again.
//
// Errors: ClickHouseClient's (Unavailable for an unreachable or paused
// server, within the request timeout); Corruption for a value that does not
// decode; Internal for a write to a table it does not mirror.
//
// Called from the one pipeline thread that owns the processor, like the
// interface; owns its client.

#include <cstdint>
#include <memory>
#include <vector>

#include "clickhouse/clickhouse_client.h"
#include "clickhouse/clickhouse_url.h"
#include "core/result.h"
#include "pipeline/state_mirror.h"

namespace unmogrowp {

class ClickHouseStateMirror : public StateMirror {
 public:
  // Versions are next_offset * kVersionsPerOffset + k.
  static constexpr uint64_t kVersionsPerOffset = 4096;

  // Connects to `options` (its database), applies the report tables'
  // migrations and returns the mirror of `partition` (>= 0; the embedded
  // state is partition 0).
  static Result<std::unique_ptr<ClickHouseStateMirror>> Open(const ClickHouseOptions& options,
                                                             int32_t partition);

  uint32_t tables() const override;
  Status Write(const std::vector<store::StoreWrite>& writes, uint64_t next_offset) override;

  int32_t partition() const { return partition_; }

 private:
  ClickHouseStateMirror(std::unique_ptr<ClickHouseClient> client, int32_t partition);
  uint64_t NextVersion(uint64_t next_offset);
  Status DeleteRange(const store::StoreWrite& write);
  Status WaitForMutations(std::string_view table);

  std::unique_ptr<ClickHouseClient> client_;
  const int32_t partition_;
  uint64_t last_offset_ = 0;
  uint64_t commits_at_last_offset_ = 0;
};

}  // namespace unmogrowp
