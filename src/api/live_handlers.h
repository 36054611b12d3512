#pragma once

// GET /v1/apps/{app_id}/live?seconds=N (admin): events accepted per second
// for the last N complete seconds (1..300, default 60), the last one's
// count and the total since the server started -- what the dashboard's
// Live page polls every second. Read from the in-memory LiveCounter
// (api/live_counter.h) that the ingest routes feed; answered on the I/O
// thread, since it never touches the disk beyond the app lookup.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

// Requires context->live.
void AddLiveRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
