#include "api/mta_report.h"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

#include "store/journey_records.h"
#include "store/keys.h"

namespace unmogrowp::api {

namespace {

constexpr int64_t kMsPerDay = 86'400'000;
constexpr uint32_t kOrganic = 0;
constexpr uint32_t kOther = 1;

// Channel names <-> the small ids the models use; ids 0 and 1 are the
// (organic) and (other) rows.
class ChannelIds {
 public:
  ChannelIds() : names_{"(organic)", "(other)"} {}

  uint32_t Id(const std::string& source, const std::string& campaign, GroupBy group_by) {
    const std::string& raw = group_by == GroupBy::kSource ? source : campaign;
    const std::string& name = raw.empty() ? kNone : raw;
    auto [it, added] = ids_.try_emplace(name, static_cast<uint32_t>(names_.size()));
    if (added) names_.push_back(name);
    return it->second;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  inline static const std::string kNone = "(none)";
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> ids_;
};

struct OpenTouch {
  int64_t ts_ms;
  uint64_t seq;
  uint32_t channel;
};

bool IsDataDriven(MtaModel model) {
  return model == MtaModel::kMarkov || model == MtaModel::kShapley;
}

Status AddConvertingPaths(const analytics::ReportData& data, const MtaQuery& q, int64_t from_ms,
                          int64_t to_ms, ChannelIds* ids, MtaInput* input, MtaReport* report) {
  return data.Conversions(q.app_id, q.conversion, from_ms, to_ms,
                          [&](const TimeSeq& at, const store::ConversionRecord& record) {
                            for (const store::PathTouch& t : record.path) {
                              input->converting.AppendTouch(
                                  ids->Id(t.source, t.campaign, q.group_by), t.ts_ms);
                            }
                            input->converting.EndPath(at.ts_ms, record.revenue);
                            report->total_conversions += 1;
                            report->total_revenue += record.revenue;
                            return true;
                          });
}

// Each device's touchpoints in the range that come after its last
// conversion at or before the range's end (ATTRIBUTION.md).
Status AddNonConvertingPaths(const analytics::ReportData& data, const MtaQuery& q, int64_t to_ms,
                             ChannelIds* ids, MtaInput* input) {
  // Ordered by device, so the paths' order does not depend on hashing.
  std::map<std::string, std::vector<OpenTouch>> by_device;
  UM_RETURN_IF_ERROR(
      data.TouchesByDay(q.app_id, q.range.from_day, q.range.to_day, [&](const store::DayTouch& t) {
        by_device[t.device_id].push_back(
            OpenTouch{t.ts_ms, t.seq, ids->Id(t.source, t.campaign, q.group_by)});
        return true;
      }));
  std::vector<std::string> devices;
  devices.reserve(by_device.size());
  for (const auto& entry : by_device) devices.push_back(entry.first);
  UM_ASSIGN_OR_RETURN(auto last_conversions,
                      data.LastConversions(q.app_id, q.conversion, to_ms, devices));

  for (auto& [device, touches] : by_device) {
    std::sort(touches.begin(), touches.end(),
              [](const OpenTouch& a, const OpenTouch& b) { return EarlierInTime(a, b); });
    size_t first = 0;
    if (auto last = last_conversions.find(device); last != last_conversions.end()) {
      while (first < touches.size() && EarlierInTime(touches[first], last->second)) ++first;
    }
    if (first == touches.size()) continue;
    for (size_t i = first; i < touches.size(); ++i) {
      input->non_converting.AppendTouch(touches[i].channel);
    }
    input->non_converting.EndPath();
  }
  return Status::OK();
}

}  // namespace

Result<MtaReport> ComputeMtaReport(const analytics::ReportData& data, const MtaQuery& q) {
  const int64_t from_ms = q.range.from_day * kMsPerDay;
  const int64_t to_ms = (q.range.to_day + 1) * kMsPerDay - 1;
  ChannelIds ids;
  MtaInput input;
  MtaReport report;
  UM_RETURN_IF_ERROR(AddConvertingPaths(data, q, from_ms, to_ms, &ids, &input, &report));
  if (IsDataDriven(q.model)) {
    UM_RETURN_IF_ERROR(AddNonConvertingPaths(data, q, to_ms, &ids, &input));
  }
  input.num_channels = static_cast<uint32_t>(ids.names().size());

  MtaParams params;
  params.organic_channel = kOrganic;
  params.other_channel = kOther;
  params.time_decay_half_life_hours = q.time_decay_half_life_hours;
  params.channel_names = ids.names();
  UM_ASSIGN_OR_RETURN(std::vector<ChannelCredit> credit, ComputeCredit(q.model, input, params));

  for (uint32_t id = 0; id < credit.size(); ++id) {
    if (credit[id].conversions == 0 && credit[id].revenue == 0) continue;
    report.rows.push_back(MtaRow{ids.names()[id], credit[id].conversions, credit[id].revenue});
  }
  std::sort(report.rows.begin(), report.rows.end(), [](const MtaRow& a, const MtaRow& b) {
    return a.conversions != b.conversions ? a.conversions > b.conversions : a.channel < b.channel;
  });
  return report;
}

}  // namespace unmogrowp::api
