#include "pipeline/state_mirror.h"

#include <gtest/gtest.h>

#include "core/scoped_temp_dir_for_test.h"
#include "pipeline/event_processor.h"
#include "pipeline/pipeline_test_util.h"

namespace unmogrowp {
namespace {

using namespace testing_util;
using store::StoreWrite;
using store::Table;

// Keeps what it is given; fails while `fail` is set.
class RecordingMirror : public StateMirror {
 public:
  uint32_t tables() const override {
    return (1u << static_cast<int>(Table::kEventsByTime)) |
           (1u << static_cast<int>(Table::kInstallRollup));
  }
  Status Write(const std::vector<StoreWrite>& writes, uint64_t next_offset) override {
    if (fail) return Status::Unavailable("mirror down");
    commits.emplace_back(writes, next_offset);
    return Status::OK();
  }
  bool fail = false;
  std::vector<std::pair<std::vector<StoreWrite>, uint64_t>> commits;
};

class StateMirrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::StateStore::Open({.dir = dir_.File("state")});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    processor_ = std::make_unique<EventProcessor>(
        store_.get(), [](std::string_view) -> Result<AppSettings> { return AppSettings(); },
        nullptr, &mirror_);
  }
  void ApplyAll(const std::vector<Event>& events) {
    uint64_t offset = 0;
    for (const Event& e : events) {
      Status s = processor_->Apply(Encode(e), offset);
      ASSERT_TRUE(s.ok()) << s.ToString();
      offset += 10;
    }
  }

  ScopedTempDir dir_;
  RecordingMirror mirror_;
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<EventProcessor> processor_;
};

TEST_F(StateMirrorTest, EachCommitHandsTheMirrorItsWritesToTheMirroredTablesOnly) {
  Event click = MakeEvent("c1", "click", kT0, "d1");
  click.source = "google";
  std::vector<Event> events{click, MakeEvent("i1", "install", kT0 + kHour, "d1")};
  ApplyAll(events);
  ASSERT_TRUE(processor_->Commit(20).ok());

  ASSERT_EQ(mirror_.commits.size(), 1u);
  const auto& [writes, next_offset] = mirror_.commits[0];
  EXPECT_EQ(next_offset, 20u);
  size_t events_written = 0;
  size_t rollups_written = 0;
  for (const StoreWrite& w : writes) {
    ASSERT_TRUE(w.table == Table::kEventsByTime || w.table == Table::kInstallRollup);
    EXPECT_EQ(w.op, StoreWrite::Op::kPut);
    if (w.table == Table::kEventsByTime) {
      ++events_written;
      EXPECT_EQ(w.value, Encode(events[events_written - 1]));
    } else {
      ++rollups_written;
    }
  }
  EXPECT_EQ(events_written, 2u);
  EXPECT_EQ(rollups_written, 1u);  // the install's channel row
  // The store holds exactly what the mirror was given.
  for (const StoreWrite& w : writes) {
    std::string stored;
    auto found = store_->Get(w.table, w.key, &stored);
    ASSERT_TRUE(found.ok());
    EXPECT_TRUE(*found);
    EXPECT_EQ(stored, w.value);
  }

  // A commit with nothing for the mirror does not call it.
  ASSERT_TRUE(processor_->Commit(30).ok());
  EXPECT_EQ(mirror_.commits.size(), 1u);
}

TEST_F(StateMirrorTest, AFailedMirrorFailsTheCommitAndTheReplayWritesTheSameAgain) {
  std::vector<Event> events{MakeEvent("i1", "install", kT0, "d1"),
                            MakeEvent("p1", "purchase", kT0 + kHour, "d1")};
  events[1].revenue = 4.5;
  ApplyAll(events);
  mirror_.fail = true;
  EXPECT_EQ(processor_->Commit(20).code(), StatusCode::kUnavailable);
  auto checkpoint = store_->Checkpoint();
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(*checkpoint, 0u);  // nothing reached the store
  EXPECT_TRUE(Dump(*store_, Table::kEventsByTime, "").empty());

  mirror_.fail = false;
  ApplyAll(events);  // the pipeline replays from the checkpoint
  ASSERT_TRUE(processor_->Commit(20).ok());
  ASSERT_EQ(mirror_.commits.size(), 1u);
  EXPECT_EQ(Dump(*store_, Table::kEventsByTime, "").size(), 2u);

  // A second processor on a second store, fed the same records in one more
  // commit, hands over the same writes: replay is deterministic.
  ScopedTempDir other_dir;
  auto other = store::StateStore::Open({.dir = other_dir.File("state")});
  ASSERT_TRUE(other.ok());
  RecordingMirror other_mirror;
  EventProcessor again(
      other->get(), [](std::string_view) -> Result<AppSettings> { return AppSettings(); }, nullptr,
      &other_mirror);
  uint64_t offset = 0;
  for (const Event& e : events) {
    ASSERT_TRUE(again.Apply(Encode(e), offset).ok());
    offset += 10;
  }
  ASSERT_TRUE(again.Commit(20).ok());
  ASSERT_EQ(other_mirror.commits.size(), 1u);
  EXPECT_EQ(other_mirror.commits[0], mirror_.commits[0]);
}

}  // namespace
}  // namespace unmogrowp
