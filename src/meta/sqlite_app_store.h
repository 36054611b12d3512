#pragma once

// SqliteAppStore: the embedded AppStore, on one SQLite file in WAL mode (the
// default backend; no server needed). Migrates the schema at open.
//
// Thread-safe. One connection and its prepared statements serve every call,
// serialized by a mutex: metadata changes are rare. AppIdForKey never takes
// that mutex: it is answered by an in-memory ApiKeyIndex (shared lock), loaded
// at open and updated after each committed create, rotate or delete. So one process
// only may open a file at a time; a second writer's keys would go unseen.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.h"
#include "meta/api_key_index.h"
#include "meta/app_store.h"
#include "meta/sqlite_db.h"

namespace unmogrowp {

class SqliteAppStore final : public AppStore {
 public:
  // Opens or creates the database at `path`. `clock` stamps created/updated
  // times and must outlive the store.
  static Result<std::unique_ptr<SqliteAppStore>> Open(const std::string& path, const Clock& clock);

  SqliteAppStore(const SqliteAppStore&) = delete;
  SqliteAppStore& operator=(const SqliteAppStore&) = delete;

  Result<CreatedApp> Create(std::string name, std::string platform, AppSettings settings,
                            bool demo) override;
  Result<std::vector<App>> List() override;
  Result<App> Get(std::string_view id) override;
  Result<App> Update(std::string_view id, std::optional<std::string> name,
                     const SettingsEdit& edit_settings) override;
  Result<CreatedApp> RotateKey(std::string_view id) override;
  Status Delete(std::string_view id) override;
  Result<std::string> AppIdForKey(std::string_view api_key) override;

 private:
  SqliteAppStore(std::unique_ptr<SqliteDb> db, const Clock& clock)
      : clock_(clock), db_(std::move(db)) {}

  Status PrepareStatements();
  Status LoadKeyIndex();
  // Requires mu_.
  Result<App> GetLocked(std::string_view id);

  const Clock& clock_;

  std::mutex mu_;  // Guards everything below but key_index_.
  std::unique_ptr<SqliteDb> db_;
  // Declared after db_: statements are finalized before the connection closes.
  SqliteStatement insert_;
  SqliteStatement select_one_;
  SqliteStatement select_all_;
  SqliteStatement update_;
  SqliteStatement update_key_;
  SqliteStatement delete_;
  // Each app's current key hash, to drop it from key_index_ on rotation.
  std::unordered_map<std::string, SecretDigest> key_hash_by_app_;

  ApiKeyIndex key_index_;  // Thread-safe on its own.
};

}  // namespace unmogrowp
