#pragma once

// StateStore: the pipeline's derived state -- dedup index, per-device state,
// the probabilistic-match index, rollups and conversion paths -- in one
// RocksDB database with one column family per table
// (docs/formats/state-store.md). Everything in it can be rebuilt by replaying
// the event log; the log offset the state corresponds to is stored with it
// and written in the same atomic batch as every change (Commit), so after a
// crash the state and its checkpoint always agree.
//
// Thread-safety: Get, Scan and Commit may be called from any thread; a
// WriteBatch belongs to one thread. RocksDB headers stay in state_store.cc.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace unmogrowp::store {

enum class Table : int {
  kMeta = 0,           // checkpoint and bookkeeping
  kDedup,              // app, event_id -> log offset of the first copy
  kDevices,            // app, device_id -> DeviceState
  kClicksByIpUa,       // app, ip, user_agent -> recent clicks (probabilistic index)
  kDeviceEvents,       // app, device_id, log offset -> event timestamp (index into kEventsByTime)
  kInstallRollup,      // app, day, source, campaign -> install and revenue counters
  kConversions,        // app, event_type, timestamp, log offset -> conversion + path
  kDeviceConversions,  // app, device_id, event_type, timestamp, log offset -> ""
  kTouchesByDay,       // app, day, device_id, timestamp, log offset -> source, campaign
  kEventsByTime,       // app, timestamp, log offset -> encoded event (every applied event)
  kDailyStats,         // app, day, dimension, value -> counters + unique-device sketch
  kCohorts,            // app, install day, match class, source, campaign -> cohort cells
  kCount,
};

// One change of a write batch, as recorded for a mirror of the state
// (WriteBatch::RecordTo; pipeline/state_mirror.h).
struct StoreWrite {
  enum class Op : uint8_t { kPut, kDelete, kDeleteRange };
  Op op = Op::kPut;
  Table table = Table::kMeta;
  std::string key;    // kDeleteRange: the range's begin
  std::string value;  // kPut: the value; kDeleteRange: the range's end; else ""

  bool operator==(const StoreWrite&) const = default;
};

class StateStore {
 public:
  struct Options {
    // Directory of the database; created if missing. Required.
    std::string dir;
    // RocksDB block cache shared by every table. Larger keeps more device
    // state in memory. Default 256 MiB.
    size_t block_cache_bytes = size_t{256} << 20;
    // Write RocksDB's write-ahead log. Off by default: the event log is the
    // durable copy of everything here. Without a WAL a crash loses the
    // commits since the last memtable flush -- all tables flush together
    // (atomic_flush), checkpoint included, so what survives is one
    // consistent earlier commit, and the pipeline replays the log from its
    // checkpoint. A clean close flushes everything.
    bool write_ahead_log = false;
    // fsync the WAL on every Commit (only with write_ahead_log).
    bool sync_commits = false;
  };

  // The layout version of the derived state (docs/formats/state-store.md).
  // A store written by an older layout is deleted and recreated empty by
  // Open -- the pipeline then rebuilds it by replaying the event log from
  // the start; see rebuilt().
  static constexpr uint64_t kFormatVersion = 2;

  // Changes to apply atomically with Commit. Made by NewWriteBatch; must not
  // outlive its store. Not thread-safe.
  class WriteBatch {
   public:
    ~WriteBatch();
    WriteBatch(WriteBatch&&) noexcept;
    WriteBatch& operator=(WriteBatch&&) noexcept;

    void Put(Table table, std::string_view key, std::string_view value);
    void Delete(Table table, std::string_view key);
    // Deletes every key in [begin, end).
    void DeleteRange(Table table, std::string_view begin, std::string_view end);
    // Records that the state now reflects every log record before `offset`.
    void SetCheckpoint(uint64_t offset);
    size_t count() const;
    // Clears the batch and the recorded writes (the recorder stays).
    void Clear();

    // From now on also appends every Put, Delete and DeleteRange on a table
    // whose bit is set in `tables` (bit i = Table i) to `*writes`, which
    // must outlive the batch or the next RecordTo. Clear() empties it.
    // nullptr stops recording.
    void RecordTo(std::vector<StoreWrite>* writes, uint32_t tables);

    struct Rep;

   private:
    friend class StateStore;
    explicit WriteBatch(std::unique_ptr<Rep> rep);
    std::unique_ptr<Rep> rep_;
  };

  static Result<std::unique_ptr<StateStore>> Open(const Options& options);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  WriteBatch NewWriteBatch() const;

  // Reads `key`; true and `*value` filled when present, false when absent.
  Result<bool> Get(Table table, std::string_view key, std::string* value) const;

  // Calls fn(key, value) for each key in [begin, end) in key order (end
  // empty: to the end of the table) until fn returns false. Sees one
  // consistent snapshot.
  Status Scan(Table table, std::string_view begin, std::string_view end,
              const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  // The greatest key in [begin, end) (end must not be empty): true and
  // `*key` filled, or false when the range is empty.
  Result<bool> LastKeyInRange(Table table, std::string_view begin, std::string_view end,
                              std::string* key) const;

  // Applies every change of `batch` atomically and clears it.
  Status Commit(WriteBatch* batch);

  // The offset stored by the last committed SetCheckpoint, 0 for a new store.
  Result<uint64_t> Checkpoint() const;

  // True when Open found a store of an older format version and recreated
  // it empty (so its checkpoint is 0 and the log replays from the start).
  bool rebuilt() const;

  struct Rep;

 private:
  explicit StateStore(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// The smallest key greater than every key starting with `prefix` (for Scan's
// end), or "" when there is none.
std::string PrefixEnd(std::string_view prefix);

}  // namespace unmogrowp::store
