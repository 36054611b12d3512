#pragma once

// GET /v1/apps/{app_id}/devices/{device_id} (API.md, "Reports"): a device's
// install attribution and its events in time order, from the pipeline's
// per-device state and event list.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddDeviceRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
