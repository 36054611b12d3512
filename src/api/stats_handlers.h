#pragma once

// GET /v1/apps/{app_id}/stats (API.md, "Reports"): events, unique devices,
// first installs and revenue per UTC day, read from the daily rollups
// (analytics/daily_stats.h); optional group_by=source|campaign|event_type
// adds the same rows per group.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddStatsRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
