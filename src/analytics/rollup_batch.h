#pragma once

// RollupBatch: the daily-stats and cohort changes of one pipeline batch,
// summed in memory per row and written by Flush as read-modify-write into
// the caller's atomic store batch (so they commit with the rest of the
// pipeline's state and its log checkpoint). Also used by the stats
// benchmark to build rollups without the rest of the pipeline.
//
// Not thread-safe: one pipeline thread owns it.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "analytics/cohort_row.h"
#include "analytics/daily_stats.h"
#include "core/status.h"
#include "store/install_rollup.h"
#include "store/state_store.h"

namespace unmogrowp::analytics {

// The names an event is counted under in the source and campaign splits.
struct ChannelNames {
  std::string_view source;
  std::string_view campaign;
};
inline constexpr std::string_view kOrganicChannel = "(organic)";
inline constexpr std::string_view kNoneChannel = "(none)";

class RollupBatch {
 public:
  // Adds `delta` to the row (day, dimension, value) of `app_id`.
  void AddStats(std::string_view app_id, int64_t day, StatsDimension dimension,
                std::string_view value, const StatsRow& delta);

  // Adds `delta` to the app's rows of `day`: all, event type, source and
  // campaign.
  void AddEventStats(std::string_view app_id, int64_t day, std::string_view event_type,
                     ChannelNames channel, const StatsRow& delta);

  // The cohort row delta of (install day, channel) -- channel.day is the
  // install day -- to add to.
  CohortRow& Cohort(std::string_view app_id, const store::RollupChannel& channel);

  // Adds every row's delta to the stored row into `batch`, then clears.
  Status Flush(const store::StateStore& store, store::StateStore::WriteBatch* batch);
  void Clear();
  bool empty() const { return stats_.empty() && cohorts_.empty(); }

 private:
  StatsRow& Stats(std::string key);

  std::unordered_map<std::string, StatsRow> stats_;
  std::unordered_map<std::string, CohortRow> cohorts_;
};

}  // namespace unmogrowp::analytics
