#pragma once

// The attribution reports (API.md, "Reports"):
// - GET /v1/apps/{app_id}/attribution/installs: first installs by channel and
//   match type, and in-app revenue by the channel of each device's install,
//   summed from the pipeline's daily rollups;
// - GET /v1/apps/{app_id}/attribution/mta: conversions credited to channels
//   by one of the multi-touch models (api/mta_report.h).

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddAttributionRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
