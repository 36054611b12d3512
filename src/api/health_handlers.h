#pragma once

// Operational endpoints: GET /healthz, GET /metrics (Prometheus text
// exposition format) and GET /v1/pipeline (admin): how far the derived state
// is behind the event log -- {"status": "ok"|"paused", "error"?,
// "durable_offset", "committed_offset", "lag_bytes", "events_applied",
// "duplicates_skipped"}, the last two counted since this server started.
// Everything acknowledged before a moment is in the reports once
// committed_offset has reached the durable_offset read at that moment.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddHealthRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
