// The rollup records of the stats and cohorts reports: the daily_stats key
// and StatsRow codecs, the CohortRow codec and its merging, and RollupBatch
// adding its deltas to what a real StateStore already holds
// (docs/formats/state-store.md, StatsRow and CohortRow).

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analytics/cohort_row.h"
#include "analytics/daily_stats.h"
#include "analytics/rollup_batch.h"
#include "core/scoped_temp_dir_for_test.h"
#include "store/bytes.h"
#include "store/install_rollup.h"
#include "store/keys.h"
#include "store/state_store.h"

namespace unmogrowp::analytics {
namespace {

constexpr char kApp[] = "app_rollups";

StatsRow Row(int64_t events, int64_t installs, double revenue,
             const std::vector<std::string>& devices) {
  StatsRow row;
  row.events = events;
  row.installs = installs;
  row.revenue = revenue;
  for (const std::string& d : devices) row.devices.Add(d);
  return row;
}

void ExpectRow(const StatsRow& got, const StatsRow& want, const std::string& what) {
  EXPECT_EQ(got.events, want.events) << what;
  EXPECT_EQ(got.installs, want.installs) << what;
  EXPECT_EQ(got.revenue, want.revenue) << what;
  EXPECT_TRUE(got.devices == want.devices) << what;
  EXPECT_EQ(got.devices.Count(), want.devices.Count()) << what;
}

// --- daily_stats.h: keys ---

TEST(StatsKeyTest, RoundTripsDaysDimensionsAndOddValues) {
  const std::string prefix = store::AppPrefix(kApp);
  const std::string odd_value("a\0b\xff,\"\n\x80", 8);
  struct Case {
    int64_t day;
    StatsDimension dimension;
    std::string value;
  };
  const std::vector<Case> cases = {
      {0, StatsDimension::kAll, ""},
      {-1, StatsDimension::kSource, "(organic)"},
      {-719'468, StatsDimension::kCampaign, odd_value},  // 0000-03-01
      {20'500, StatsDimension::kEventType, std::string(300, '\xff')},
      {INT64_MIN, StatsDimension::kAll, ""},
      {INT64_MAX, StatsDimension::kCampaign, "(none)"},
  };
  for (const Case& c : cases) {
    const std::string key = StatsKey(kApp, c.day, c.dimension, c.value);
    EXPECT_EQ(key.compare(0, prefix.size(), prefix), 0) << "key starts with the app prefix";
    Result<StatsKeyParts> parts = DecodeStatsKey(key, prefix.size());
    ASSERT_TRUE(parts.ok()) << c.day << ": " << parts.status().ToString();
    EXPECT_EQ(parts->day, c.day);
    EXPECT_EQ(parts->dimension, c.dimension) << c.day;
    EXPECT_EQ(parts->value, c.value) << c.day;
    // The day prefix is where the day's keys start.
    EXPECT_EQ(key.compare(0, StatsDayPrefix(kApp, c.day).size(), StatsDayPrefix(kApp, c.day)), 0);
  }
}

TEST(StatsKeyTest, DecodeRejectsMalformedKeys) {
  const std::string prefix = store::AppPrefix(kApp);
  const std::string key = StatsKey(kApp, 7, StatsDimension::kSource, "google");
  for (size_t n = 0; n < key.size(); ++n) {
    EXPECT_FALSE(DecodeStatsKey(key.substr(0, n), prefix.size()).ok()) << "prefix of " << n;
  }
  EXPECT_FALSE(DecodeStatsKey(key + "x", prefix.size()).ok()) << "a trailing byte";
  // Dimension byte 4 does not exist.
  std::string bad_dimension = StatsDayPrefix(kApp, 7);
  bad_dimension.push_back('\x04');
  store::PutLengthPrefixed("google", &bad_dimension);
  Result<StatsKeyParts> parts = DecodeStatsKey(bad_dimension, prefix.size());
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.status().code(), StatusCode::kCorruption);
  // A length prefix longer than what follows.
  std::string long_value = StatsDayPrefix(kApp, 7);
  long_value.push_back('\x01');
  long_value.push_back('\x09');
  long_value += "short";
  EXPECT_FALSE(DecodeStatsKey(long_value, prefix.size()).ok());
}

TEST(StatsKeyTest, EveryKeyOfADaySortsBeforeTheNextDay) {
  const std::vector<int64_t> days = {-400, -2, -1, 0, 1, 2, 255, 256, 20'000, 65'536};
  const std::vector<std::pair<StatsDimension, std::string>> rows = {
      {StatsDimension::kAll, ""},
      {StatsDimension::kSource, ""},
      {StatsDimension::kSource, std::string(1, '\0')},
      {StatsDimension::kCampaign, "zzz"},
      {StatsDimension::kEventType, std::string(200, '\xff')},
      {StatsDimension::kEventType, "purchase"},
  };
  for (size_t i = 0; i + 1 < days.size(); ++i) {
    const int64_t day = days[i];
    const int64_t next = days[i + 1];
    const std::string begin = StatsDayPrefix(kApp, day);
    const std::string end = StatsDayPrefix(kApp, day + 1);
    for (const auto& [dimension, value] : rows) {
      const std::string key = StatsKey(kApp, day, dimension, value);
      EXPECT_LE(begin, key) << day;
      EXPECT_LT(key, end) << day;
      for (const auto& [next_dimension, next_value] : rows) {
        EXPECT_LT(key, StatsKey(kApp, next, next_dimension, next_value)) << day << " < " << next;
      }
    }
  }
  // Another app's keys never fall inside this app's range of days.
  const std::string other = StatsKey("app_rollups2", 0, StatsDimension::kAll, "");
  const std::string app = store::AppPrefix(kApp);
  EXPECT_FALSE(other >= app && other < store::PrefixEnd(app));
}

// --- daily_stats.h: values ---

TEST(StatsRowTest, RoundTripsCountersAndTheSketch) {
  const std::vector<StatsRow> rows = {
      Row(0, 0, 0, {}),
      Row(12, 3, 99.5, {"d1", "d2", "d3"}),
      Row(-5, -1, -12.25, {"erased"}),  // an erasure's delta
      Row(INT64_MAX, INT64_MIN, 1e300, {"x"}),
  };
  for (const StatsRow& row : rows) {
    Result<StatsRow> decoded = DecodeStatsRow(EncodeStatsRow(row));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ExpectRow(*decoded, row, "events " + std::to_string(row.events));
    EXPECT_EQ(EncodeStatsRow(*decoded), EncodeStatsRow(row));
  }
  // A dense sketch (thousands of devices) survives too.
  std::vector<std::string> many;
  for (int i = 0; i < 5000; ++i) many.push_back("device-" + std::to_string(i));
  StatsRow big = Row(5000, 10, 1.5, many);
  Result<StatsRow> decoded = DecodeStatsRow(EncodeStatsRow(big));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectRow(*decoded, big, "dense");
}

TEST(StatsRowTest, AddEncodedSumsCountersAndUnionsDevices) {
  StatsRow sum = Row(2, 1, 10, {"a", "b"});
  ASSERT_TRUE(AddEncodedStatsRow(EncodeStatsRow(Row(3, 0, -4.5, {"b", "c"})), &sum).ok());
  ASSERT_TRUE(AddEncodedStatsRow(EncodeStatsRow(Row(-1, 2, 0.25, {})), &sum).ok());
  ExpectRow(sum, Row(4, 3, 5.75, {"a", "b", "c"}), "sum");
  EXPECT_EQ(sum.devices.Count(), 3u);

  // StatsRow::Add agrees with the encoded form.
  StatsRow added = Row(2, 1, 10, {"a", "b"});
  added.Add(Row(3, 0, -4.5, {"b", "c"}));
  added.Add(Row(-1, 2, 0.25, {}));
  ExpectRow(added, sum, "Add");
}

TEST(StatsRowTest, RejectsTruncationBadVersionAndTrailingBytesLeavingTheSumUnchanged) {
  const std::string bytes = EncodeStatsRow(Row(7, 2, 3.5, {"d1", "d2"}));
  const StatsRow before = Row(1, 1, 1, {"z"});
  for (size_t n = 0; n < bytes.size(); ++n) {
    Result<StatsRow> decoded = DecodeStatsRow(bytes.substr(0, n));
    EXPECT_FALSE(decoded.ok()) << "prefix of " << n << " of " << bytes.size();
    StatsRow into = before;
    EXPECT_FALSE(AddEncodedStatsRow(bytes.substr(0, n), &into).ok()) << n;
    ExpectRow(into, before, "after a failed add of a prefix of " + std::to_string(n));
  }
  std::string wrong_version = bytes;
  wrong_version[0] = 2;
  Result<StatsRow> decoded = DecodeStatsRow(wrong_version);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  wrong_version[0] = 0;
  EXPECT_FALSE(DecodeStatsRow(wrong_version).ok());
  EXPECT_FALSE(DecodeStatsRow(bytes + std::string(1, '\0')).ok()) << "a trailing byte";
  StatsRow into = before;
  EXPECT_FALSE(AddEncodedStatsRow(bytes + "x", &into).ok());
  ExpectRow(into, before, "after a failed add with a trailing byte");
}

// --- cohort_row.h ---

std::vector<int64_t> Days(const CohortRow& row) {
  std::vector<int64_t> days;
  for (const CohortCell& c : row.cells) days.push_back(c.day);
  return days;
}

TEST(CohortRowTest, CellKeepsDaysInOrderWithoutDuplicates) {
  CohortRow row;
  row.Cell(7).active = 2;
  row.Cell(0).active = 5;
  row.Cell(365).revenue = 1.5;
  row.Cell(3).active = 1;
  row.Cell(7).active += 1;  // the same cell again
  EXPECT_EQ(Days(row), (std::vector<int64_t>{0, 3, 7, 365}));
  EXPECT_EQ(row.cells[2], (CohortCell{7, 3, 0}));
  EXPECT_EQ(row.cells[3], (CohortCell{365, 0, 1.5}));
  CohortCell& fresh = row.Cell(1);
  EXPECT_EQ(fresh, (CohortCell{1, 0, 0}));
  EXPECT_EQ(Days(row), (std::vector<int64_t>{0, 1, 3, 7, 365}));
}

TEST(CohortRowTest, AddSumsInstallsAndMergesCells) {
  CohortRow a;
  a.installs = 4;
  a.cells = {{0, 4, 10}, {3, 1, 2.5}};
  CohortRow b;
  b.installs = -1;  // an erasure's delta
  b.cells = {{0, -1, -3}, {1, 2, 1}, {30, 1, 0.5}};
  a.Add(b);
  CohortRow want;
  want.installs = 3;
  want.cells = {{0, 3, 7}, {1, 2, 1}, {3, 1, 2.5}, {30, 1, 0.5}};
  EXPECT_EQ(a, want);
}

std::string CohortBytes(int64_t installs, const std::vector<CohortCell>& cells,
                        uint8_t version = 1) {
  std::string out(1, static_cast<char>(version));
  store::PutSignedVarint(installs, &out);
  store::PutVarint(cells.size(), &out);
  for (const CohortCell& c : cells) {
    store::PutVarint(static_cast<uint64_t>(c.day), &out);
    store::PutSignedVarint(c.active, &out);
    store::PutDouble(c.revenue, &out);
  }
  return out;
}

TEST(CohortRowTest, RoundTripsAndMatchesTheDocumentedLayout) {
  CohortRow row;
  row.installs = 40;
  row.cells = {{0, 40, 12.5}, {1, 18, 7.5}, {30, -2, -1}, {365, 1, 0}};
  const std::string bytes = EncodeCohortRow(row);
  EXPECT_EQ(bytes, CohortBytes(40, row.cells));
  Result<CohortRow> decoded = DecodeCohortRow(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, row);

  CohortRow empty;
  decoded = DecodeCohortRow(EncodeCohortRow(empty));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, empty);
  CohortRow negative;
  negative.installs = -3;
  decoded = DecodeCohortRow(EncodeCohortRow(negative));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->installs, -3);
}

TEST(CohortRowTest, RejectsUnsortedDuplicateOutOfRangeTruncatedAndBadVersion) {
  auto rejected = [](const std::string& bytes, const std::string& what) {
    Result<CohortRow> decoded = DecodeCohortRow(bytes);
    EXPECT_FALSE(decoded.ok()) << what;
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << what;
    }
  };
  rejected(CohortBytes(2, {{3, 1, 0}, {1, 1, 0}}), "unsorted days");
  rejected(CohortBytes(2, {{1, 1, 0}, {1, 2, 0}}), "a duplicate day");
  rejected(CohortBytes(2, {{0, 1, 0}, {366, 1, 0}}), "day 366");
  rejected(CohortBytes(2, {{0, 1, 0}}, /*version=*/2), "version 2");
  rejected(CohortBytes(2, {{0, 1, 0}}, /*version=*/0), "version 0");
  rejected(CohortBytes(2, {{0, 1, 0}}) + "x", "a trailing byte");
  // A count beyond the 366 possible days.
  std::string too_many(1, '\x01');
  store::PutSignedVarint(1, &too_many);
  store::PutVarint(367, &too_many);
  rejected(too_many, "367 cells");
  // A count larger than the cells present.
  std::string short_count = CohortBytes(1, {{0, 1, 0}});
  short_count[2] = 2;
  rejected(short_count, "count 2 with one cell");

  const std::string good = CohortBytes(5, {{0, 5, 1.5}, {7, 2, 0.5}, {365, 1, 2}});
  ASSERT_TRUE(DecodeCohortRow(good).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    rejected(good.substr(0, n), "prefix of " + std::to_string(n));
  }
}

// --- rollup_batch.h over a real store ---

class RollupBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::StateStore::Open({.dir = dir_.File("state")});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }

  void FlushAndCommit(RollupBatch* rollups) {
    store::StateStore::WriteBatch batch = store_->NewWriteBatch();
    Status flushed = rollups->Flush(*store_, &batch);
    ASSERT_TRUE(flushed.ok()) << flushed.ToString();
    EXPECT_TRUE(rollups->empty());
    Status committed = store_->Commit(&batch);
    ASSERT_TRUE(committed.ok()) << committed.ToString();
  }

  // Every daily_stats row of kApp, by key.
  std::map<std::string, StatsRow> StatsRows() {
    std::map<std::string, StatsRow> rows;
    const std::string prefix = store::AppPrefix(kApp);
    Status bad;
    Status scanned = store_->Scan(store::Table::kDailyStats, prefix, store::PrefixEnd(prefix),
                                  [&](std::string_view key, std::string_view value) {
                                    Result<StatsRow> row = DecodeStatsRow(value);
                                    if (!row.ok()) {
                                      bad = row.status();
                                      return false;
                                    }
                                    rows.emplace(key, std::move(*row));
                                    return true;
                                  });
    EXPECT_TRUE(scanned.ok()) << scanned.ToString();
    EXPECT_TRUE(bad.ok()) << bad.ToString();
    return rows;
  }

  CohortRow StoredCohort(const store::RollupChannel& channel) {
    std::string value;
    Result<bool> found =
        store_->Get(store::Table::kCohorts, store::RollupKey(kApp, channel), &value);
    EXPECT_TRUE(found.ok() && *found) << "no cohort row";
    if (!found.ok() || !*found) return {};
    Result<CohortRow> row = DecodeCohortRow(value);
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    return row.ok() ? *row : CohortRow{};
  }

  ScopedTempDir dir_;
  std::unique_ptr<store::StateStore> store_;
};

TEST_F(RollupBatchTest, AddEventStatsWritesTheFourDimensionRows) {
  RollupBatch rollups;
  EXPECT_TRUE(rollups.empty());
  rollups.AddEventStats(kApp, 20'000, "purchase", {"google", "summer"}, Row(1, 0, 4.5, {"d1"}));
  rollups.AddEventStats(kApp, 20'000, "install", {"google", "summer"}, Row(1, 1, 0, {"d2"}));
  EXPECT_FALSE(rollups.empty());
  FlushAndCommit(&rollups);

  std::map<std::string, StatsRow> rows = StatsRows();
  // all, two event types, one source, one campaign.
  ASSERT_EQ(rows.size(), 5u);
  const StatsRow both = Row(2, 1, 4.5, {"d1", "d2"});
  ExpectRow(rows[StatsKey(kApp, 20'000, StatsDimension::kAll, "")], both, "all");
  ExpectRow(rows[StatsKey(kApp, 20'000, StatsDimension::kSource, "google")], both, "source");
  ExpectRow(rows[StatsKey(kApp, 20'000, StatsDimension::kCampaign, "summer")], both, "campaign");
  ExpectRow(rows[StatsKey(kApp, 20'000, StatsDimension::kEventType, "purchase")],
            Row(1, 0, 4.5, {"d1"}), "purchase");
  ExpectRow(rows[StatsKey(kApp, 20'000, StatsDimension::kEventType, "install")],
            Row(1, 1, 0, {"d2"}), "install");
}

TEST_F(RollupBatchTest, FlushAddsToStoredRowsAndASecondFlushAccumulates) {
  const int64_t day = -3;  // before 1970: negative days work the same
  const ChannelNames organic{kOrganicChannel, kOrganicChannel};
  // What an earlier commit left in the store.
  {
    store::StateStore::WriteBatch batch = store_->NewWriteBatch();
    batch.Put(store::Table::kDailyStats, StatsKey(kApp, day, StatsDimension::kAll, ""),
              EncodeStatsRow(Row(10, 2, 100, {"old1", "old2"})));
    ASSERT_TRUE(store_->Commit(&batch).ok());
  }
  RollupBatch rollups;
  rollups.AddEventStats(kApp, day, "open", organic, Row(1, 0, 0, {"old1"}));
  rollups.AddEventStats(kApp, day, "open", organic, Row(1, 0, 0, {"new1"}));
  FlushAndCommit(&rollups);
  std::map<std::string, StatsRow> rows = StatsRows();
  ASSERT_EQ(rows.size(), 4u);
  ExpectRow(rows[StatsKey(kApp, day, StatsDimension::kAll, "")],
            Row(12, 2, 100, {"old1", "old2", "new1"}), "all after the first flush");
  ExpectRow(rows[StatsKey(kApp, day, StatsDimension::kSource, "(organic)")],
            Row(2, 0, 0, {"old1", "new1"}), "source after the first flush");

  // An erasure's delta in a later batch: counters go down, devices stay.
  rollups.AddEventStats(kApp, day, "open", organic, Row(-1, 0, -2.5, {}));
  rollups.AddStats(kApp, day + 1, StatsDimension::kAll, "", Row(1, 1, 1, {"next"}));
  FlushAndCommit(&rollups);
  rows = StatsRows();
  ASSERT_EQ(rows.size(), 5u);
  ExpectRow(rows[StatsKey(kApp, day, StatsDimension::kAll, "")],
            Row(11, 2, 97.5, {"old1", "old2", "new1"}), "all after the second flush");
  ExpectRow(rows[StatsKey(kApp, day, StatsDimension::kEventType, "open")],
            Row(1, 0, -2.5, {"old1", "new1"}), "open after the second flush");
  ExpectRow(rows[StatsKey(kApp, day, StatsDimension::kCampaign, "(organic)")],
            Row(1, 0, -2.5, {"old1", "new1"}), "campaign after the second flush");
  ExpectRow(rows[StatsKey(kApp, day + 1, StatsDimension::kAll, "")], Row(1, 1, 1, {"next"}),
            "the next day");
}

TEST_F(RollupBatchTest, FlushRejectsACorruptStoredRow) {
  {
    store::StateStore::WriteBatch batch = store_->NewWriteBatch();
    batch.Put(store::Table::kDailyStats, StatsKey(kApp, 1, StatsDimension::kAll, ""), "\x07junk");
    ASSERT_TRUE(store_->Commit(&batch).ok());
  }
  RollupBatch rollups;
  rollups.AddStats(kApp, 1, StatsDimension::kAll, "", Row(1, 0, 0, {}));
  store::StateStore::WriteBatch batch = store_->NewWriteBatch();
  Status flushed = rollups.Flush(*store_, &batch);
  EXPECT_EQ(flushed.code(), StatusCode::kCorruption) << flushed.ToString();
}

TEST_F(RollupBatchTest, CohortRowsAddToStoredRowsAcrossFlushes) {
  const store::RollupChannel google{20'000, false, "google", "summer"};
  const store::RollupChannel organic{20'000, true, "", ""};
  RollupBatch rollups;
  CohortRow& g = rollups.Cohort(kApp, google);
  g.installs += 2;
  g.Cell(0).active += 2;
  g.Cell(0).revenue += 3;
  // The same row again within the batch is the same delta.
  rollups.Cohort(kApp, google).Cell(1).active += 1;
  rollups.Cohort(kApp, organic).installs += 1;
  rollups.Cohort(kApp, organic).Cell(0).active += 1;
  FlushAndCommit(&rollups);

  CohortRow want_google;
  want_google.installs = 2;
  want_google.cells = {{0, 2, 3}, {1, 1, 0}};
  EXPECT_EQ(StoredCohort(google), want_google);
  CohortRow want_organic;
  want_organic.installs = 1;
  want_organic.cells = {{0, 1, 0}};
  EXPECT_EQ(StoredCohort(organic), want_organic);

  // Next batch: one more install (active on day 0), a day-7 purchase of
  // 9.5, and a refund of 1 on day 0.
  CohortRow& next = rollups.Cohort(kApp, google);
  next.installs += 1;
  next.Cell(0).active += 1;
  next.Cell(7).active += 1;
  next.Cell(7).revenue += 9.5;
  next.Cell(0).revenue -= 1;
  FlushAndCommit(&rollups);
  want_google.installs = 3;
  want_google.cells = {{0, 3, 2}, {1, 1, 0}, {7, 1, 9.5}};
  EXPECT_EQ(StoredCohort(google), want_google);
  EXPECT_EQ(StoredCohort(organic), want_organic);
}

TEST_F(RollupBatchTest, ClearDropsTheDeltas) {
  RollupBatch rollups;
  rollups.AddStats(kApp, 5, StatsDimension::kAll, "", Row(1, 0, 0, {"d"}));
  rollups.Cohort(kApp, store::RollupChannel{5, true, "", ""}).installs = 1;
  rollups.Clear();
  EXPECT_TRUE(rollups.empty());
  FlushAndCommit(&rollups);
  EXPECT_TRUE(StatsRows().empty());
  std::string value;
  Result<bool> found =
      store_->Get(store::Table::kCohorts,
                  store::RollupKey(kApp, store::RollupChannel{5, true, "", ""}), &value);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);
}

}  // namespace
}  // namespace unmogrowp::analytics
