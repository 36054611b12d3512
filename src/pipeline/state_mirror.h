#pragma once

// StateMirror: a second home for the derived state the reports read, kept
// in step with the state store by the pipeline -- the ClickHouse analytics
// backend (clickhouse/, docs/scale-out.md) is one. At each commit the
// EventProcessor hands the mirror every write of that commit to the tables
// the mirror asks for, before the store write: the mirror is never behind
// the store's checkpoint, and when the mirror fails the commit fails, so
// the pipeline replays from the checkpoint and writes the same changes
// again. A mirror must therefore make a repeated write harmless (replay is
// deterministic: the same records give the same writes, though batches may
// end elsewhere).
//
// Called from the one pipeline thread that owns the processor.

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "store/state_store.h"

namespace unmogrowp {

class StateMirror {
 public:
  virtual ~StateMirror() = default;

  // The tables whose writes the mirror takes: bit i set for store::Table i.
  virtual uint32_t tables() const = 0;

  // The writes of one commit to tables(), in the order they were made, with
  // the log position the commit reaches (its checkpoint). OK only once they
  // are durable in the mirror. Several commits may reach the same
  // `next_offset` (retention commits in pieces between batches).
  virtual Status Write(const std::vector<store::StoreWrite>& writes, uint64_t next_offset) = 0;
};

}  // namespace unmogrowp
