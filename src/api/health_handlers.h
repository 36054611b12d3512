#pragma once

// GET /healthz and GET /metrics (Prometheus text exposition format).

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddHealthRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
