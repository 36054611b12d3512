#pragma once

// The app endpoints of API.md ("Apps"): create, list, get, patch,
// rotate-key, delete. All require the admin bearer token; every change is
// written to the audit log (app.create, app.update, app.rotate_key here;
// app.delete by the pipeline, see below; never an API key).
//
// DELETE /v1/apps/{app_id} removes the app with all its data. The order, and
// what a crash at each point leaves (docs/reports.md, "App deletion"):
//   1. an app-deletion record is appended to the event log, durably. Before
//      that is done nothing has changed. From then on the deletion happens
//      whatever else fails: the pipeline applies the record in log order
//      (again after a crash, from its checkpoint), deleting every row of the
//      app in the same commit as its checkpoint, skipping the app's events
//      from then on, and -- through Pipeline::Options::app_deleted, wired in
//      api/service.cc -- writing the audit entry app.delete (once) and
//      removing the app from the metadata store before that commit;
//   2. a wait of up to kAppDeletionWait for the pipeline to apply the record;
//   3. the app is removed from the metadata store (if the pipeline has not
//      done so): its key is rejected, it is listed no more.
// The answer is 204 when the pipeline applied the record in time: the app
// and its data are gone. Otherwise 202: the app is gone from the API and its
// data (and the audit entry) follow when the pipeline reaches the record. A
// crash between 1 and 3 leaves the app registered only until the pipeline
// applies the record on restart, and its events meanwhile are accepted but
// skipped.

#include <chrono>

#include "api/api_context.h"
#include "http/router.h"

namespace unmogrowp::api {

inline constexpr std::chrono::seconds kAppDeletionWait{20};

void AddAppRoutes(http::Router* router, const ApiContext* context);

}  // namespace unmogrowp::api
