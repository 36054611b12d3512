#pragma once

// JSON in and out for the app endpoints (API.md "Apps"): parses the bodies of
// POST /v1/apps and PATCH /v1/apps/{id}, and writes the app object of every
// response. Stateless functions; safe from any thread.
//
// Parse errors are InvalidArgument naming the input field ("name",
// "platform", "settings.click_lookback_hours", ...; empty for the body
// itself) with reason `invalid_json` (not parseable, or not an object),
// `missing_field`, `invalid_type` or `invalid_value`. Unknown fields are
// ignored; a JSON null counts as the field being absent.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "meta/app.h"
#include "meta/app_store.h"

namespace unmogrowp::api {

// The body of POST /v1/apps, validated, settings defaults filled in. A
// "demo" field is ignored like any unknown one: only `serve --demo` makes
// demo apps.
struct AppCreateRequest {
  std::string name;
  std::string platform;
  AppSettings settings;
};

// The body of PATCH /v1/apps/{id}: what to change. `settings`, when present,
// is the app's current settings with the keys the body gave replaced.
struct AppPatchRequest {
  std::optional<std::string> name;
  // Merges the request's (possibly partial) settings object into the stored
  // settings; empty when the request has no "settings".
  AppStore::SettingsEdit edit_settings;
};

Result<AppCreateRequest> ParseAppCreate(std::string_view body);

// Checks the body's shape and types now; the settings are merged into the
// stored ones by the store, under its lock (AppStore::Update).
Result<AppPatchRequest> ParseAppPatch(std::string_view body);

// Appends {"id","name","platform","api_key"?,"settings":{...},"demo",
// "created_at","updated_at"}; "api_key" only when `api_key_or_empty` is not
// empty (the create and rotate-key responses). Times are RFC 3339 UTC with
// milliseconds.
void AppendAppJson(const App& app, std::string_view api_key_or_empty, std::string* out);

// Appends {"apps":[...]} (GET /v1/apps).
void AppendAppListJson(const std::vector<App>& apps, std::string* out);

}  // namespace unmogrowp::api
