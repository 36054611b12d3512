#pragma once

// GET /v1/apps/{app_id}/events/export?from&to&format=ndjson|csv: the app's
// stored events with timestamps in the date range, in time order, streamed
// (chunked) straight from the events-by-time table a chunk at a time, so
// memory stays constant whatever the size. Each chunk is read with a fresh
// seek after the last key sent: events committed meanwhile may or may not
// appear, none appears twice.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddExportRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
