#pragma once

// The app endpoints of API.md ("Apps"): create, list, get, patch, rotate-key.
// All require the admin bearer token.

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

void AddAppRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
