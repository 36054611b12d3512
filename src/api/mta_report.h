#pragma once

// The multi-touch report (GET /v1/apps/{app_id}/attribution/mta, API.md):
// reads the conversions of one type in a date range with their paths
// materialized by the pipeline, and -- for the data-driven models -- each
// device's non-converting path of the range, then credits them with the
// requested model (attribution/mta.h). Never reads raw events.

#include <cstdint>
#include <string>
#include <vector>

#include "analytics/report_data.h"
#include "api/report_params.h"
#include "attribution/mta.h"
#include "core/result.h"

namespace unmogrowp::api {

struct MtaQuery {
  std::string app_id;
  MtaModel model = MtaModel::kLast;
  std::string conversion = "install";
  GroupBy group_by = GroupBy::kSource;
  DayRange range;
  double time_decay_half_life_hours = 168;
};

struct MtaRow {
  std::string channel;
  double conversions = 0;
  double revenue = 0;
};

struct MtaReport {
  int64_t total_conversions = 0;
  double total_revenue = 0;
  // Channels with any credit, most conversions first (ties by name).
  std::vector<MtaRow> rows;
};

Result<MtaReport> ComputeMtaReport(const analytics::ReportData& data, const MtaQuery& query);

}  // namespace unmogrowp::api
