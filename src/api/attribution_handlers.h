#pragma once

// GET /v1/apps/{app_id}/attribution/installs (API.md, "Reports"): first
// installs by channel and match type, and in-app revenue by the channel of
// each device's install, summed from the pipeline's daily rollups.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddAttributionRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
