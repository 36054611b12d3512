#pragma once

// GET /v1/apps/{app_id}/cohorts: retention and revenue by install cohort
// (install day x channel), read from the cohort rollups
// (analytics/cohort_row.h). Documented in docs/reports.md.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddCohortRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
