#include "analytics/rollup_batch.h"

#include <utility>

namespace unmogrowp::analytics {

StatsRow& RollupBatch::Stats(std::string key) { return stats_[std::move(key)]; }

void RollupBatch::AddStats(std::string_view app_id, int64_t day, StatsDimension dimension,
                           std::string_view value, const StatsRow& delta) {
  Stats(StatsKey(app_id, day, dimension, value)).Add(delta);
}

void RollupBatch::AddEventStats(std::string_view app_id, int64_t day, std::string_view event_type,
                                ChannelNames channel, const StatsRow& delta) {
  AddStats(app_id, day, StatsDimension::kAll, {}, delta);
  AddStats(app_id, day, StatsDimension::kEventType, event_type, delta);
  AddStats(app_id, day, StatsDimension::kSource, channel.source, delta);
  AddStats(app_id, day, StatsDimension::kCampaign, channel.campaign, delta);
}

CohortRow& RollupBatch::Cohort(std::string_view app_id, const store::RollupChannel& channel) {
  return cohorts_[store::RollupKey(app_id, channel)];
}

Status RollupBatch::Flush(const store::StateStore& store, store::StateStore::WriteBatch* batch) {
  std::string value;
  for (auto& [key, delta] : stats_) {
    UM_ASSIGN_OR_RETURN(bool found, store.Get(store::Table::kDailyStats, key, &value));
    if (found) UM_RETURN_IF_ERROR(AddEncodedStatsRow(value, &delta));
    batch->Put(store::Table::kDailyStats, key, EncodeStatsRow(delta));
  }
  for (auto& [key, delta] : cohorts_) {
    UM_ASSIGN_OR_RETURN(bool found, store.Get(store::Table::kCohorts, key, &value));
    if (found) {
      UM_ASSIGN_OR_RETURN(CohortRow stored, DecodeCohortRow(value));
      delta.Add(stored);
    }
    batch->Put(store::Table::kCohorts, key, EncodeCohortRow(delta));
  }
  Clear();
  return Status::OK();
}

void RollupBatch::Clear() {
  stats_.clear();
  cohorts_.clear();
}

}  // namespace unmogrowp::analytics
