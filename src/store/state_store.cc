#include "store/state_store.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <vector>

#include "core/logging.h"
#include "store/bytes.h"

namespace unmogrowp::store {

namespace {

// Indexed by Table; a missing name fails to compile (see the static_assert).
constexpr std::array kTableNames = {
    "default",        "dedup",          "devices",     "clicks_by_ip_ua",
    "device_events",  "install_rollup", "conversions", "device_conversions",
    "touches_by_day", "events_by_time", "daily_stats", "cohorts"};
static_assert(kTableNames.size() == static_cast<size_t>(Table::kCount));
constexpr std::string_view kCheckpointKey = "log_offset";
constexpr std::string_view kFormatVersionKey = "format_version";

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  std::string message = fmt::format("state store: {}: {}", what, s.ToString());
  if (s.IsCorruption()) return Status::Corruption(std::move(message));
  if (s.IsBusy() || s.IsTryAgain()) return Status::Unavailable(std::move(message));
  return Status::IOError(std::move(message));
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

}  // namespace

struct StateStore::Rep {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::WriteOptions write_options;
  bool rebuilt = false;

  rocksdb::ColumnFamilyHandle* cf(Table t) const { return handles[static_cast<size_t>(t)]; }

  ~Rep() {
    if (db) {
      for (rocksdb::ColumnFamilyHandle* h : handles)
        db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
      db->Close().PermitUncheckedError();
    }
  }
};

struct StateStore::WriteBatch::Rep {
  const StateStore::Rep* store = nullptr;
  rocksdb::WriteBatch batch;
  std::vector<StoreWrite>* recorded = nullptr;
  uint32_t recorded_tables = 0;

  void Record(StoreWrite::Op op, Table table, std::string_view key, std::string_view value) {
    if (recorded == nullptr || (recorded_tables & (1u << static_cast<int>(table))) == 0) return;
    recorded->push_back(StoreWrite{op, table, std::string(key), std::string(value)});
  }
};

StateStore::WriteBatch::WriteBatch(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
StateStore::WriteBatch::~WriteBatch() = default;
StateStore::WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
StateStore::WriteBatch& StateStore::WriteBatch::operator=(WriteBatch&&) noexcept = default;

// A WriteBatch only fails on a key or value over 4 GiB, which the pipeline
// never builds; Commit would then fail on the batch's own error state.
void StateStore::WriteBatch::Put(Table table, std::string_view key, std::string_view value) {
  rep_->batch.Put(rep_->store->cf(table), ToSlice(key), ToSlice(value)).PermitUncheckedError();
  rep_->Record(StoreWrite::Op::kPut, table, key, value);
}

void StateStore::WriteBatch::Delete(Table table, std::string_view key) {
  rep_->batch.Delete(rep_->store->cf(table), ToSlice(key)).PermitUncheckedError();
  rep_->Record(StoreWrite::Op::kDelete, table, key, {});
}

void StateStore::WriteBatch::DeleteRange(Table table, std::string_view begin,
                                         std::string_view end) {
  rep_->batch.DeleteRange(rep_->store->cf(table), ToSlice(begin), ToSlice(end))
      .PermitUncheckedError();
  rep_->Record(StoreWrite::Op::kDeleteRange, table, begin, end);
}

void StateStore::WriteBatch::SetCheckpoint(uint64_t offset) {
  std::string value;
  PutBigEndian64(offset, &value);
  Put(Table::kMeta, kCheckpointKey, value);
}

size_t StateStore::WriteBatch::count() const { return rep_->batch.Count(); }
void StateStore::WriteBatch::Clear() {
  rep_->batch.Clear();
  if (rep_->recorded != nullptr) rep_->recorded->clear();
}

void StateStore::WriteBatch::RecordTo(std::vector<StoreWrite>* writes, uint32_t tables) {
  rep_->recorded = writes;
  rep_->recorded_tables = tables;
}

Result<std::unique_ptr<StateStore>> StateStore::Open(const Options& options) {
  if (options.dir.empty()) return Status::InvalidArgument("dir", "state store: dir is required");
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  // Every table flushes together, so no table's SST can be ahead of the
  // checkpoint after a crash even with the WAL's tail lost.
  db_options.atomic_flush = true;
  db_options.max_open_files = 512;

  rocksdb::BlockBasedTableOptions table_options;
  table_options.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table_options.cache_index_and_filter_blocks = false;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  cf_options.compression = rocksdb::kLZ4Compression;
  cf_options.write_buffer_size = 32 << 20;
  // Most pipeline lookups miss (a new event id, a new device): a bloom filter
  // over the memtable answers those without searching its skip list.
  cf_options.memtable_prefix_bloom_size_ratio = 0.1;
  cf_options.memtable_whole_key_filtering = true;

  // touches_by_day, which the pipeline only writes and a report reads with
  // one range scan, takes a vector memtable: an insert is an append, sorted
  // once at flush, instead of a skip-list search per key. (A report that
  // scans it unflushed pays one sort; tables read with many seeks -- device
  // events, device conversions -- must not be vector memtables: every
  // iterator over one sorts a copy of it.)
  rocksdb::ColumnFamilyOptions append_options = cf_options;
  append_options.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  append_options.memtable_prefix_bloom_size_ratio = 0;
  append_options.memtable_whole_key_filtering = false;
  db_options.allow_concurrent_memtable_write = false;  // the vector memtable needs this

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t t = 0; t < kTableNames.size(); ++t) {
    auto table = static_cast<Table>(t);
    bool write_only = table == Table::kTouchesByDay;
    descriptors.emplace_back(kTableNames[t], write_only ? append_options : cf_options);
  }
  // Flushes and compactions yield to request handling on a busy machine,
  // like the pipeline thread that feeds them (pipeline/pipeline.h).
  rocksdb::Env::Default()
      ->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW, rocksdb::CpuPriority::kLow)
      .PermitUncheckedError();
  rocksdb::Env::Default()
      ->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::HIGH, rocksdb::CpuPriority::kLow)
      .PermitUncheckedError();
  auto rep = std::make_unique<Rep>();
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.dir, descriptors, &rep->handles, &db);
  if (!s.ok() && s.IsInvalidArgument() &&
      s.ToString().find("Compression type") != std::string::npos) {
    for (auto& d : descriptors) d.options.compression = rocksdb::kSnappyCompression;
    s = rocksdb::DB::Open(db_options, options.dir, descriptors, &rep->handles, &db);
  }
  if (!s.ok()) return FromRocks(s, "opening " + options.dir);
  rep->db.reset(db);
  rep->write_options.sync = options.sync_commits;
  rep->write_options.disableWAL = !options.write_ahead_log;
  auto store = std::unique_ptr<StateStore>(new StateStore(std::move(rep)));

  // The layout version: a store without one is either new (no checkpoint
  // yet) or from format 1, which predates the key.
  std::string version_bytes;
  UM_ASSIGN_OR_RETURN(bool has_version,
                      store->Get(Table::kMeta, kFormatVersionKey, &version_bytes));
  uint64_t version = 0;
  if (has_version) {
    ByteReader reader(version_bytes);
    version = reader.BigEndian64();
    if (!reader.ok() || !reader.done()) {
      return Status::Corruption("state store: the format version is not 8 bytes");
    }
  } else {
    std::string ignored;
    UM_ASSIGN_OR_RETURN(bool has_checkpoint, store->Get(Table::kMeta, kCheckpointKey, &ignored));
    version = has_checkpoint ? 1 : kFormatVersion;
  }
  if (version > kFormatVersion) {
    return Status::FailedPrecondition(fmt::format(
        "state store {} has format version {}, newer than this program's {}; use a newer "
        "unmogrowp or delete the directory to rebuild it from the event log",
        options.dir, version, kFormatVersion));
  }
  if (version < kFormatVersion) {
    Log("store").warn(
        "state store {} has format version {} (this program writes {}): deleting it; the "
        "pipeline rebuilds it by replaying the event log from the start",
        options.dir, version, kFormatVersion);
    store.reset();
    rocksdb::Status destroyed = rocksdb::DestroyDB(options.dir, db_options, descriptors);
    if (!destroyed.ok()) return FromRocks(destroyed, "deleting the old " + options.dir);
    UM_ASSIGN_OR_RETURN(store, Open(options));
    store->rep_->rebuilt = true;
    return store;
  }
  if (!has_version) {
    WriteBatch batch = store->NewWriteBatch();
    std::string value;
    PutBigEndian64(kFormatVersion, &value);
    batch.Put(Table::kMeta, kFormatVersionKey, value);
    UM_RETURN_IF_ERROR(store->Commit(&batch));
  }
  return store;
}

bool StateStore::rebuilt() const { return rep_->rebuilt; }

StateStore::StateStore(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
StateStore::~StateStore() = default;

StateStore::WriteBatch StateStore::NewWriteBatch() const {
  auto batch = std::make_unique<WriteBatch::Rep>();
  batch->store = rep_.get();
  return WriteBatch(std::move(batch));
}

Result<bool> StateStore::Get(Table table, std::string_view key, std::string* value) const {
  rocksdb::PinnableSlice slice;
  rocksdb::Status s = rep_->db->Get(rocksdb::ReadOptions(), rep_->cf(table), ToSlice(key), &slice);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "get");
  value->assign(slice.data(), slice.size());
  return true;
}

Status StateStore::Scan(
    Table table, std::string_view begin, std::string_view end,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  rocksdb::ReadOptions read_options;
  rocksdb::Slice upper = ToSlice(end);
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  // Debian's RocksDB keeps asserts on: the iterator must go before the DB,
  // which this scope guarantees.
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(read_options, rep_->cf(table)));
  for (it->Seek(ToSlice(begin)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
  }
  return FromRocks(it->status(), "scan");
}

Result<bool> StateStore::LastKeyInRange(Table table, std::string_view begin, std::string_view end,
                                        std::string* key) const {
  rocksdb::ReadOptions read_options;
  rocksdb::Slice lower = ToSlice(begin);
  rocksdb::Slice upper = ToSlice(end);
  read_options.iterate_lower_bound = &lower;
  read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(rep_->db->NewIterator(read_options, rep_->cf(table)));
  it->SeekToLast();
  if (!it->Valid()) {
    UM_RETURN_IF_ERROR(FromRocks(it->status(), "seek"));
    return false;
  }
  key->assign(it->key().data(), it->key().size());
  return true;
}

Status StateStore::Commit(WriteBatch* batch) {
  rocksdb::Status s = rep_->db->Write(rep_->write_options, &batch->rep_->batch);
  batch->Clear();
  return FromRocks(s, "commit");
}

Result<uint64_t> StateStore::Checkpoint() const {
  std::string value;
  UM_ASSIGN_OR_RETURN(bool found, Get(Table::kMeta, kCheckpointKey, &value));
  if (!found) return uint64_t{0};
  ByteReader reader(value);
  uint64_t offset = reader.BigEndian64();
  if (!reader.ok() || !reader.done()) {
    return Status::Corruption("state store: the checkpoint is not 8 bytes");
  }
  return offset;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) != 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace unmogrowp::store
