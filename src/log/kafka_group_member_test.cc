#include "log/kafka_group_member.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "log/kafka_test_util.h"

namespace unmogrowp {
namespace {

using ::testing::ElementsAre;
using testing::NewTopic;
using testing::WaitUntil;

// Who owns which partition, as the members' callbacks report it; records
// every moment two members would have owned one partition at once.
class Ownership {
 public:
  KafkaGroupMember::PartitionsCallback Assigned(const std::string& member) {
    return [this, member](const std::vector<int32_t>& partitions) {
      std::lock_guard<std::mutex> lock(mu_);
      for (int32_t partition : partitions) {
        auto [it, added] = owner_.emplace(partition, member);
        if (!added) {
          violations_.push_back(member + " got " + std::to_string(partition) + " owned by " +
                                it->second);
        }
      }
    };
  }
  KafkaGroupMember::PartitionsCallback Revoked(const std::string& member) {
    return [this, member](const std::vector<int32_t>& partitions) {
      std::lock_guard<std::mutex> lock(mu_);
      for (int32_t partition : partitions) {
        auto it = owner_.find(partition);
        if (it == owner_.end() || it->second != member) {
          violations_.push_back(member + " lost " + std::to_string(partition) + " it did not own");
        } else {
          owner_.erase(it);
        }
      }
    };
  }
  std::set<int32_t> Of(const std::string& member) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<int32_t> owned;
    for (const auto& [partition, owner] : owner_) {
      if (owner == member) owned.insert(partition);
    }
    return owned;
  }
  std::vector<std::string> violations() const {
    std::lock_guard<std::mutex> lock(mu_);
    return violations_;
  }

 private:
  mutable std::mutex mu_;
  std::map<int32_t, std::string> owner_;
  std::vector<std::string> violations_;
};

std::unique_ptr<KafkaGroupMember> StartMember(const KafkaOptions& kafka, Ownership& ownership,
                                              const std::string& name) {
  KafkaGroupMember::Options options;
  options.kafka = kafka;
  // The mock's group coordinator holds a new group's first join for a fixed
  // 3 s, and expires members silent for session_timeout meanwhile: it must
  // be longer. A later rebalance waits session_timeout - 1 s for members.
  options.session_timeout = std::chrono::milliseconds(3500);
  options.heartbeat_interval = std::chrono::milliseconds(100);
  Result<std::unique_ptr<KafkaGroupMember>> member =
      KafkaGroupMember::Start(options, ownership.Assigned(name), ownership.Revoked(name));
  EXPECT_TRUE(member.ok()) << member.status().ToString();
  return member.ok() ? std::move(*member) : nullptr;
}

std::vector<int32_t> Sorted(const std::set<int32_t>& partitions) {
  return std::vector<int32_t>(partitions.begin(), partitions.end());
}

TEST(KafkaGroupMemberTest, TwoMembersSplitThePartitionsAndTheSurvivorTakesAll) {
  KafkaOptions kafka = NewTopic();
  Ownership ownership;
  std::unique_ptr<KafkaGroupMember> a = StartMember(kafka, ownership, "a");
  std::unique_ptr<KafkaGroupMember> b = StartMember(kafka, ownership, "b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);

  // Both own two, together all four (ownership is exclusive by construction).
  ASSERT_TRUE(
      WaitUntil([&] { return ownership.Of("a").size() == 2 && ownership.Of("b").size() == 2; },
                std::chrono::seconds(20)))
      << "a owns " << ownership.Of("a").size() << ", b owns " << ownership.Of("b").size();
  std::set<int32_t> all = ownership.Of("a");
  all.merge(ownership.Of("b"));
  EXPECT_THAT(Sorted(all), ElementsAre(0, 1, 2, 3));
  EXPECT_EQ(Sorted(ownership.Of("a")), a->owned());
  EXPECT_EQ(Sorted(ownership.Of("b")), b->owned());

  a->Stop();
  EXPECT_TRUE(ownership.Of("a").empty());  // revoked before Stop returned
  EXPECT_TRUE(a->owned().empty());
  ASSERT_TRUE(WaitUntil([&] { return ownership.Of("b").size() == 4; }, std::chrono::seconds(20)));
  EXPECT_THAT(b->owned(), ElementsAre(0, 1, 2, 3));

  b->Stop();
  EXPECT_TRUE(ownership.Of("b").empty());
  EXPECT_THAT(ownership.violations(), ElementsAre());
  EXPECT_EQ(a->discarded_messages(), 0u);
  EXPECT_EQ(b->discarded_messages(), 0u);
}

}  // namespace
}  // namespace unmogrowp
