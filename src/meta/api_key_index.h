#pragma once

// ApiKeyIndex: the in-memory map from API-key hash to app id that answers the
// key check of every ingest request without I/O. An AppStore loads it at open
// and updates it after each committed create or rotate.
//
// Thread-safe: lookups take a shared lock, updates an exclusive one, so a
// lookup that starts after Replace returns never sees the old key.

#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "meta/secret.h"

namespace unmogrowp {

class ApiKeyIndex {
 public:
  // The app owning `api_key`; Unauthenticated when empty, malformed or unknown.
  Result<std::string> Find(std::string_view api_key) const;

  // Adds (or re-points) one key hash.
  void Put(const SecretDigest& key_hash, std::string app_id);

  // Swaps an app's key in one step: `old_hash` is gone when `new_hash` appears.
  void Replace(const SecretDigest& old_hash, const SecretDigest& new_hash, std::string app_id);

  // Forgets one key hash (an app's, when it is deleted).
  void Erase(const SecretDigest& key_hash);

  size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<SecretDigest, std::string, SecretDigestHash, SecretDigestEq> app_by_hash_;
};

}  // namespace unmogrowp
