#pragma once

// AppStore: the registry of apps and their API keys, behind the app endpoints
// and the ingest key check. Two backends: SQLite (embedded default,
// SqliteAppStore) and PostgreSQL (scale-out). Implementations are
// thread-safe: every method may be called from any thread at any time.
//
// API keys are secrets shown once: Create and RotateKey return the plain key,
// the store keeps only its hash, and a rotated-out key (or a deleted app's)
// is rejected as soon as RotateKey (Delete) returns.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "meta/app.h"

namespace unmogrowp {

class AppStore {
 public:
  virtual ~AppStore() = default;

  // Registers an app with a fresh id and API key. Name, platform and settings
  // are validated (InvalidArgument naming the field). `demo` marks an app of
  // generated data (App::demo).
  virtual Result<CreatedApp> Create(std::string name, std::string platform, AppSettings settings,
                                    bool demo) = 0;

  // Every app, oldest first.
  virtual Result<std::vector<App>> List() = 0;

  // NotFound when no app has this id.
  virtual Result<App> Get(std::string_view id) = 0;

  // Edits an app's settings in place (an error stops the update).
  using SettingsEdit = std::function<Status(AppSettings&)>;

  // Replaces the name and applies `edit_settings` to the app's current
  // settings (a PATCH merges into what is stored at that moment: the read and
  // the write happen under one lock, so concurrent PATCHes of different
  // settings both take effect). The result is validated; updated_ms is
  // bumped. With neither given, returns the app unchanged. NotFound when no
  // app has this id.
  virtual Result<App> Update(std::string_view id, std::optional<std::string> name,
                             const SettingsEdit& edit_settings) = 0;

  // An edit that replaces every setting with `settings`.
  static SettingsEdit ReplaceSettings(AppSettings settings) {
    return [settings](AppSettings& s) {
      s = settings;
      return Status::OK();
    };
  }

  // Gives the app a new API key; the old one stops working before this
  // returns. NotFound when no app has this id.
  virtual Result<CreatedApp> RotateKey(std::string_view id) = 0;

  // Removes the app: Get and List no longer show it and its API key is
  // rejected before this returns. Only the registration: the app's events
  // and derived state are the pipeline's to remove (an app-deletion record,
  // event/log_payload.h). NotFound when no app has this id.
  virtual Status Delete(std::string_view id) = 0;

  // The id of the app that owns `api_key`; Unauthenticated when the key is
  // empty or unknown. On the path of every ingest request: answered from
  // memory, without I/O.
  virtual Result<std::string> AppIdForKey(std::string_view api_key) = 0;
};

}  // namespace unmogrowp
