#pragma once

// API keys and app ids: how they look and how new ones are minted. A key is
// "umk_" + 64 hex chars (32 bytes from the OS CSPRNG); an app id is "app_" +
// 16 hex chars (64 random bits: short, url-safe, unique in practice).
// Stateless functions; safe from any thread.

#include <string>
#include <string_view>

namespace unmogrowp {

inline constexpr std::string_view kApiKeyPrefix = "umk_";
inline constexpr size_t kApiKeyRandomBytes = 32;
inline constexpr size_t kApiKeyLength = kApiKeyPrefix.size() + 2 * kApiKeyRandomBytes;

inline constexpr std::string_view kAppIdPrefix = "app_";
inline constexpr size_t kAppIdRandomBytes = 8;

std::string NewApiKey();
std::string NewAppId();

// True when `key` has the shape of a key we issue (prefix, length, hex). A
// cheap filter before hashing; says nothing about whether the key is known.
bool LooksLikeApiKey(std::string_view key);

}  // namespace unmogrowp
