#pragma once

// GenCatalog: the fixed vocabulary of synthetic data -- ad networks with their
// campaigns and traffic shares, and the user agents devices present. Built
// once per `gen` run and then only read (safe to share between threads).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/gen_random.h"

namespace unmogrowp {

class GenCatalog {
 public:
  // The first `sources` networks of the built-in list (a dozen real-world
  // names); beyond it, `network_13`, `network_14`, ... with small shares.
  explicit GenCatalog(int sources);

  int source_count() const { return static_cast<int>(sources_.size()); }
  std::string_view source_name(int source) const { return sources_[source].name; }
  int campaign_count(int source) const {
    return static_cast<int>(sources_[source].campaigns.size());
  }
  std::string_view campaign(int source, int campaign) const {
    return sources_[source].campaigns[campaign];
  }
  // A network by traffic share; iOS-only networks are skipped for Android
  // devices (unless nothing else is configured).
  int PickSource(GenRandom& rng, bool ios) const;

  // User agents: a device keeps one for all its events, so that web clicks
  // and the later install carry the same string (probabilistic matching).
  uint32_t user_agent_count(bool ios) const {
    return static_cast<uint32_t>(ios ? ios_agents_.size() : android_agents_.size());
  }
  std::string_view user_agent(bool ios, uint32_t variant) const {
    return ios ? ios_agents_[variant] : android_agents_[variant];
  }

 private:
  struct Source {
    std::string name;
    int weight;
    bool ios_only;
    std::vector<std::string> campaigns;
  };

  std::vector<Source> sources_;
  int total_weight_ = 0;
  int android_weight_ = 0;
  std::vector<std::string> ios_agents_;
  std::vector<std::string> android_agents_;
};

}  // namespace unmogrowp
