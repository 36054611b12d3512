#include "meta/api_key_index.h"

#include <mutex>

#include "meta/api_key.h"

namespace unmogrowp {

Result<std::string> ApiKeyIndex::Find(std::string_view api_key) const {
  if (api_key.empty()) return Status::Unauthenticated("missing API key");
  // The key format is public, so rejecting a malformed key early leaks nothing.
  if (!LooksLikeApiKey(api_key)) return Status::Unauthenticated("unknown API key");
  const SecretDigest hash = HashSecret(api_key);
  std::shared_lock lock(mu_);
  auto it = app_by_hash_.find(hash);
  if (it == app_by_hash_.end()) return Status::Unauthenticated("unknown API key");
  return it->second;
}

void ApiKeyIndex::Put(const SecretDigest& key_hash, std::string app_id) {
  std::unique_lock lock(mu_);
  app_by_hash_.insert_or_assign(key_hash, std::move(app_id));
}

void ApiKeyIndex::Replace(const SecretDigest& old_hash, const SecretDigest& new_hash,
                          std::string app_id) {
  std::unique_lock lock(mu_);
  app_by_hash_.erase(old_hash);
  app_by_hash_.insert_or_assign(new_hash, std::move(app_id));
}

void ApiKeyIndex::Erase(const SecretDigest& key_hash) {
  std::unique_lock lock(mu_);
  app_by_hash_.erase(key_hash);
}

size_t ApiKeyIndex::size() const {
  std::shared_lock lock(mu_);
  return app_by_hash_.size();
}

}  // namespace unmogrowp
