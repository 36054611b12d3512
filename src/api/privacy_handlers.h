#pragma once

// DELETE /v1/apps/{app_id}/devices/{device_id} (API.md, "Privacy"): erases
// a device. The request is appended to the event log as an erasure record
// (so it survives a crash and any replay), audited, and answered 202 once
// the pipeline has applied it -- from then on no report counts or returns
// the device's events. If the pipeline does not get there within
// kErasureWait, the answer is 503 (the erasure is recorded and still
// happens; repeating the request is harmless).

#include <chrono>

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

inline constexpr std::chrono::seconds kErasureWait{20};

void AddPrivacyRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
