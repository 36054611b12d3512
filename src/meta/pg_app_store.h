#pragma once

// PgAppStore: the scale-out AppStore, on a PostgreSQL database that several
// API nodes share. Same behaviour as SqliteAppStore (validation, errors,
// ordering); migrates the schema at open (pg_schema.h).
//
// Thread-safe. One PgConnection (one mutex, no pool) serves every call but
// AppIdForKey's index hits; a second connection belongs to the key listener
// thread (PgListener).
//
// API keys across nodes. AppIdForKey answers from an in-memory ApiKeyIndex
// (keys stored only as SHA-256), loaded at open:
// - A key created or rotated in on another node: a miss in the index falls
//   back to one query by the key's hash, so the key works here at once; the
//   answer is then kept in the index. Only strings shaped like our keys
//   (LooksLikeApiKey) get that query; it fails with the database's error
//   (e.g. Unavailable) rather than calling a key unknown.
// - A key rotated out or deleted on another node: the change and a NOTIFY on
//   kKeysChannel carrying the revoked key's hash (hex; never the key) commit
//   in one transaction; the listener thread drops that hash from the index.
//   Propagation delay: the notification's trip, normally milliseconds after
//   the other node's commit. While the listener's connection is down,
//   revocations elsewhere go unseen here until it reconnects (at once, then
//   every PgListener::kRetryDelayMs) and reloads the whole index; TCP
//   keepalives notice a silently dead connection within about a minute.
// - On this node a rotated-out or deleted key is rejected before RotateKey
//   (Delete) returns, as AppStore promises.
//
// Update reads and writes the app under SELECT ... FOR UPDATE in one
// transaction, so concurrent PATCHes of different settings on any nodes all
// take effect.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/clock.h"
#include "meta/api_key_index.h"
#include "meta/app_store.h"
#include "meta/pg_connection.h"
#include "meta/pg_listener.h"

namespace unmogrowp {

class PgAppStore final : public AppStore {
 public:
  // The NOTIFY channel of revoked key hashes.
  static constexpr std::string_view kKeysChannel = "unmogrowp_keys";

  // Connects to `url` (postgresql://user@host:port/dbname), migrates the
  // schema, loads the key index and starts the key listener. `clock` stamps
  // created/updated times and must outlive the store.
  static Result<std::unique_ptr<PgAppStore>> Open(std::string url, const Clock& clock);

  PgAppStore(const PgAppStore&) = delete;
  PgAppStore& operator=(const PgAppStore&) = delete;

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
  PgAppStore(std::unique_ptr<PgConnection> db, const Clock& clock)
      : clock_(clock), db_(std::move(db)) {}

  // Replaces the index with the keys in the database (at open, and after
  // the listener reconnects).
  Status ReloadKeyIndex();
  // A hash from kKeysChannel: drops it from the index.
  void OnKeyRevoked(std::string_view payload);
  void IndexPut(const SecretDigest& hash, const std::string& app_id);
  void IndexRemove(const SecretDigest& hash);

  const Clock& clock_;
  std::unique_ptr<PgConnection> db_;  // Thread-safe on its own.

  ApiKeyIndex key_index_;  // Thread-safe on its own; changed only under index_mu_.
  std::mutex index_mu_;    // Serializes changes to key_index_; guards the two below.
  // Hashes dropped from key_index_ so far. A database read that started
  // before a drop may still hold the dropped key, so its result is not put in
  // the index (a miss lookup) or is read again (a reload).
  uint64_t removals_ = 0;
  // The hashes in key_index_ (it cannot list them), for reloads.
  std::unordered_set<SecretDigest, SecretDigestHash, SecretDigestEq> indexed_;

  // Last: stopped before the members its callbacks use are destroyed.
  std::unique_ptr<PgListener> listener_;
};

}  // namespace unmogrowp
