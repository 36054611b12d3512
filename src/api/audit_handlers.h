#pragma once

// The audit endpoint: GET /v1/audit?app_id=&limit=&before= lists the audit
// log (meta/audit_log.h) newest first, a page at a time. Requires the admin
// bearer token.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddAuditRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
