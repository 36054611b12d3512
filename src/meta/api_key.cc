#include "meta/api_key.h"

#include "core/ids.h"

namespace unmogrowp {

std::string NewApiKey() {
  std::string key(kApiKeyPrefix);
  key += RandomHexToken(kApiKeyRandomBytes);
  return key;
}

std::string NewAppId() {
  std::string id(kAppIdPrefix);
  id += RandomHexToken(kAppIdRandomBytes);
  return id;
}

bool LooksLikeApiKey(std::string_view key) {
  if (key.size() != kApiKeyLength || !key.starts_with(kApiKeyPrefix)) return false;
  for (char c : key.substr(kApiKeyPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace unmogrowp
