#pragma once

// State rows: how writes to the state store's report tables become rows of
// the ClickHouse report tables (report_tables.h) -- a store key and value
// decoded into typed columns -- and how a store key range becomes the SQL
// condition that selects the same rows. Used by ClickHouseStateMirror.
//
// Keys are decoded by their layout, one list per table below (the encoders
// are store/keys.h, store/install_rollup.h, store/journey_records.h and
// analytics/daily_stats.h; state_rows_test checks the layouts against
// them): parts in order, each a length-prefixed string, an ordered int64,
// a big-endian uint64 or one byte -- the encodings of store/bytes.h.
// Values are decoded with the store's own decoders.
//
// Pure functions over immutable static layouts; safe from any thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "clickhouse/row_binary.h"
#include "core/result.h"
#include "store/state_store.h"

namespace unmogrowp {

enum class KeyPart : uint8_t {
  kString,    // store::PutLengthPrefixed; column String
  kOrdered,   // store::PutOrderedInt64; column Int64
  kUnsigned,  // store::PutBigEndian64; column UInt64
  kByte,      // one byte; column UInt8
};

struct KeyColumn {
  std::string_view name;
  KeyPart part;
};

struct ReportTableLayout {
  store::Table table;
  std::string_view name;           // of the ClickHouse table
  std::span<const KeyColumn> key;  // the store key's parts in order; key[0] is app_id
  std::string_view value_columns;  // the columns a row has after the key's
};

// The layout of a mirrored store table; nullptr for one that is not.
const ReportTableLayout* ReportLayoutOf(store::Table table);

// Bit i set for each mirrored store::Table i (StateMirror::tables()).
uint32_t MirroredTables();

// The key's columns, the value's, then src_partition, version, deleted:
// the column list of the table's inserts.
std::string InsertColumns(const ReportTableLayout& layout);

// Appends the row of store key `key` holding `value` (nullptr: the key was
// deleted, and the value's columns get their defaults) as RowBinary, in
// InsertColumns() order up to, not including, src_partition. False, with
// nothing appended, for a value with nothing to mirror: a device state
// without an install (the devices table holds install attributions only).
// Corruption when the key or the value does not decode.
Result<bool> AppendStateRow(const ReportTableLayout& layout, std::string_view key,
                            const std::string* value, RowBinaryWriter* out);

// The SQL condition on the key columns that selects the rows of the keys in
// [begin, end), for a range of one app whose bounds are whole key parts:
// leading parts equal in both bounds, then at most one ordered part bounded
// below by `begin` and above by `end` -- or `end` is PrefixEnd of the
// equal parts. That covers what the pipeline deletes: an app
// ([AppPrefix(app), PrefixEnd(AppPrefix(app)))), and retention's ranges
// (events and touches before a time or day; one event type's conversions
// before a time). "0" for an empty range. Internal for any other range: a
// range must never be ignored.
Result<std::string> KeyRangeCondition(const ReportTableLayout& layout, std::string_view begin,
                                      std::string_view end);

}  // namespace unmogrowp
