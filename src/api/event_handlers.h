#pragma once

// POST /v1/events and POST /v1/events/batch (API.md "Events (ingestion)").
// Decodes and validates at the edge, appends the accepted events to the event
// log, and answers 202 only from the log's callback -- after the fdatasync
// that covers them. Counts accepted events and rejections by error code.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddEventRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
