// EventProcessor's daily-stats and cohort bookkeeping (event_processor.h):
// which rows each applied event adds to, and how a device's earlier events
// move to its channel once its install is attributed.

#include "analytics/hll.h"
#include "attribution/install_match.h"
#include "pipeline/event_processor.h"
#include "store/keys.h"

namespace unmogrowp {

analytics::ChannelNames EventProcessor::NamesOf(const store::DeviceInstall* install) {
  if (install == nullptr || install->match == static_cast<uint8_t>(MatchType::kOrganic)) {
    return {analytics::kOrganicChannel, analytics::kOrganicChannel};
  }
  return {install->source.empty() ? analytics::kNoneChannel : install->source,
          install->campaign.empty() ? analytics::kNoneChannel : install->campaign};
}

store::RollupChannel EventProcessor::CohortChannel(const store::DeviceInstall& install) {
  bool organic = install.match == static_cast<uint8_t>(MatchType::kOrganic);
  return store::RollupChannel{store::DayOfMs(install.ts_ms), organic, organic ? "" : install.source,
                              organic ? "" : install.campaign};
}

void EventProcessor::CountEvent(const EventView& event, bool first_install, Device* device) {
  const int64_t day = store::DayOfMs(event.timestamp_ms);
  const store::DeviceInstall* install =
      device != nullptr && device->state.install ? &*device->state.install : nullptr;
  analytics::StatsRow delta;
  delta.events = 1;
  delta.installs = first_install ? 1 : 0;
  delta.revenue = event.revenue;
  if (device != nullptr) delta.devices.Add(event.device_id);
  rollups_.AddEventStats(event.app_id, day, event.event_type, NamesOf(install), delta);
  if (device == nullptr) return;
  if (day > device->state.last_day) {
    device->state.last_day = day;
    device->dirty = true;
  }
  if (install == nullptr) {
    device->state.AddPending(day, event.revenue,
                             event.kind() == EventKind::kInApp ? event.revenue : 0);
    device->dirty = true;
    return;
  }
  AddToCohort(event.app_id, day, event.revenue, device);
}

void EventProcessor::AddToCohort(std::string_view app_id, int64_t day, double revenue,
                                 Device* device) {
  const store::DeviceInstall& install = *device->state.install;
  int64_t n = day - store::DayOfMs(install.ts_ms);
  if (n < 0 || n > analytics::kMaxCohortDay) return;
  analytics::CohortCell& cell = rollups_.Cohort(app_id, CohortChannel(install)).Cell(n);
  if (device->state.MarkCohortDay(n)) {
    ++cell.active;
    device->dirty = true;
  }
  cell.revenue += revenue;
}

void EventProcessor::MovePendingToInstall(std::string_view app_id, std::string_view device_id,
                                          Device* device) {
  store::DeviceState& state = device->state;
  const store::DeviceInstall& install = *state.install;
  const bool organic = install.match == static_cast<uint8_t>(MatchType::kOrganic);
  rollups_.Cohort(app_id, CohortChannel(install)).installs += 1;
  const analytics::ChannelNames names = NamesOf(&install);
  for (const store::PendingDay& p : state.pending_days) {
    // What the device sent before its install was counted as organic ("no
    // install"); it belongs to the channel the install is attributed to.
    if (!organic) {
      if (p.in_app_revenue != 0) {
        AddRollup(app_id, store::RollupChannel{p.day, true, "", ""},
                  store::RollupCounters{0, 0, 0, -p.in_app_revenue});
        AddRollup(app_id, store::RollupChannel{p.day, false, install.source, install.campaign},
                  store::RollupCounters{0, 0, 0, p.in_app_revenue});
      }
      analytics::StatsRow out;
      out.events = -p.events;
      out.revenue = -p.revenue;
      analytics::StatsRow in;
      in.events = p.events;
      in.revenue = p.revenue;
      in.devices.Add(device_id);
      for (auto dimension :
           {analytics::StatsDimension::kSource, analytics::StatsDimension::kCampaign}) {
        rollups_.AddStats(app_id, p.day, dimension, analytics::kOrganicChannel, out);
        rollups_.AddStats(
            app_id, p.day, dimension,
            dimension == analytics::StatsDimension::kSource ? names.source : names.campaign, in);
      }
    }
    AddToCohort(app_id, p.day, p.revenue, device);
  }
  state.pending_days.clear();
  device->dirty = true;
}

}  // namespace unmogrowp
