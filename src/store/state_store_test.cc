#include "store/state_store.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/scoped_temp_dir_for_test.h"

namespace unmogrowp::store {
namespace {

class StateStoreTest : public ::testing::Test {
 protected:
  void Open() {
    store_.reset();
    auto opened = StateStore::Open({.dir = dir_.File("state")});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }
  std::string MustGet(Table table, std::string_view key) {
    std::string value;
    auto found = store_->Get(table, key, &value);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() && *found ? value : "<absent>";
  }

  ScopedTempDir dir_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(StateStoreTest, NewStoreHasCheckpointZero) {
  Open();
  EXPECT_EQ(*store_->Checkpoint(), 0u);
  EXPECT_EQ(MustGet(Table::kDevices, "x"), "<absent>");
}

TEST_F(StateStoreTest, CommitAppliesTablesAndCheckpointTogetherAndSurvivesReopen) {
  Open();
  auto batch = store_->NewWriteBatch();
  batch.Put(Table::kDevices, "k", "device");
  batch.Put(Table::kDedup, "k", "dedup");  // same key, other table
  batch.SetCheckpoint(4242);
  EXPECT_EQ(batch.count(), 3u);
  // Nothing is visible before Commit.
  EXPECT_EQ(MustGet(Table::kDevices, "k"), "<absent>");
  ASSERT_TRUE(store_->Commit(&batch).ok());
  EXPECT_EQ(batch.count(), 0u);

  Open();
  EXPECT_EQ(MustGet(Table::kDevices, "k"), "device");
  EXPECT_EQ(MustGet(Table::kDedup, "k"), "dedup");
  EXPECT_EQ(*store_->Checkpoint(), 4242u);

  batch = store_->NewWriteBatch();
  batch.Delete(Table::kDevices, "k");
  ASSERT_TRUE(store_->Commit(&batch).ok());
  EXPECT_EQ(MustGet(Table::kDevices, "k"), "<absent>");
  EXPECT_EQ(MustGet(Table::kDedup, "k"), "dedup");
}

TEST_F(StateStoreTest, ScanVisitsARangeInKeyOrderAndStopsWhenAsked) {
  Open();
  auto batch = store_->NewWriteBatch();
  for (std::string key : {"a/3", "a/1", "b/1", "a/2", "a\xff"}) {
    batch.Put(Table::kConversions, key, "v" + key);
  }
  ASSERT_TRUE(store_->Commit(&batch).ok());

  std::vector<std::string> seen;
  ASSERT_TRUE(store_
                  ->Scan(Table::kConversions, "a/", PrefixEnd("a/"),
                         [&](std::string_view k, std::string_view v) {
                           EXPECT_EQ(v, "v" + std::string(k));
                           seen.emplace_back(k);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a/1", "a/2", "a/3"}));

  seen.clear();
  ASSERT_TRUE(store_
                  ->Scan(Table::kConversions, "", "",
                         [&](std::string_view k, std::string_view) {
                           seen.emplace_back(k);
                           return seen.size() < 2;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a/1", "a/2"}));
}

TEST_F(StateStoreTest, LastKeyInRangeFindsTheGreatestKeyBelowTheEnd) {
  Open();
  auto batch = store_->NewWriteBatch();
  for (std::string key : {"a/1", "a/5", "a/9", "b/0"}) batch.Put(Table::kDevices, key, "");
  ASSERT_TRUE(store_->Commit(&batch).ok());
  std::string key;
  ASSERT_TRUE(*store_->LastKeyInRange(Table::kDevices, "a/", "a/6", &key));
  EXPECT_EQ(key, "a/5");
  ASSERT_TRUE(*store_->LastKeyInRange(Table::kDevices, "a/", PrefixEnd("a/"), &key));
  EXPECT_EQ(key, "a/9");
  EXPECT_FALSE(*store_->LastKeyInRange(Table::kDevices, "a/", "a/1", &key));
  EXPECT_FALSE(*store_->LastKeyInRange(Table::kDevices, "c/", "d/", &key));
}

// A store from format 1 (before the format_version key) is deleted and
// recreated empty, so the pipeline replays the log from the start.
TEST_F(StateStoreTest, AnOlderFormatIsRebuiltEmpty) {
  Open();
  EXPECT_FALSE(store_->rebuilt());
  EXPECT_NE(MustGet(Table::kMeta, "format_version"), "<absent>");
  auto batch = store_->NewWriteBatch();
  batch.Put(Table::kDevices, "k", "device");
  batch.SetCheckpoint(77);
  batch.Delete(Table::kMeta, "format_version");  // what a format-1 store looks like
  ASSERT_TRUE(store_->Commit(&batch).ok());

  Open();
  EXPECT_TRUE(store_->rebuilt());
  EXPECT_EQ(*store_->Checkpoint(), 0u);
  EXPECT_EQ(MustGet(Table::kDevices, "k"), "<absent>");

  // Now current: the next open keeps it.
  batch = store_->NewWriteBatch();
  batch.SetCheckpoint(5);
  ASSERT_TRUE(store_->Commit(&batch).ok());
  Open();
  EXPECT_FALSE(store_->rebuilt());
  EXPECT_EQ(*store_->Checkpoint(), 5u);
}

TEST_F(StateStoreTest, ANewerFormatIsRefused) {
  Open();
  auto batch = store_->NewWriteBatch();
  std::string newer(8, '\0');
  newer[7] = static_cast<char>(StateStore::kFormatVersion + 1);
  batch.Put(Table::kMeta, "format_version", newer);
  batch.SetCheckpoint(9);
  ASSERT_TRUE(store_->Commit(&batch).ok());
  store_.reset();
  auto opened = StateStore::Open({.dir = dir_.File("state")});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find("newer"), std::string::npos)
      << opened.status().ToString();
}

TEST(PrefixEndTest, IncrementsTheLastByteThatCan) {
  EXPECT_EQ(PrefixEnd("ab"), "ac");
  EXPECT_EQ(PrefixEnd(std::string("a\xff\xff")), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff")), "");
}

TEST_F(StateStoreTest, SecondOpenOfTheSameDirectoryFails) {
  Open();
  auto second = StateStore::Open({.dir = dir_.File("state")});
  EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace unmogrowp::store
