#include "meta/pg_app_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "core/logging.h"
#include "meta/api_key.h"
#include "meta/pg_schema.h"

namespace unmogrowp {

namespace {

// Ids and keys are 64 and 256 random bits; a collision is all but impossible,
// but one is retried with fresh values rather than failed.
constexpr int kMaxMintAttempts = 3;

// A reload retries when keys are revoked while it reads; revocations are rare.
constexpr int kMaxReloadAttempts = 5;

constexpr std::string_view kAppColumns =
    "id, name, platform, click_lookback_hours, impression_lookback_hours, probabilistic, "
    "probabilistic_window_hours, mta_lookback_days, time_decay_half_life_hours, retention_days, "
    "created_ms, updated_ms, demo";

// Reads one app selected with kAppColumns, starting at column `first`.
Result<App> ReadApp(const PgRows& rows, size_t row, size_t first) {
  App app;
  app.id = rows.Text(row, first);
  app.name = rows.Text(row, first + 1);
  app.platform = rows.Text(row, first + 2);
  AppSettings& s = app.settings;
  UM_ASSIGN_OR_RETURN(s.click_lookback_hours, rows.Int64(row, first + 3));
  UM_ASSIGN_OR_RETURN(s.impression_lookback_hours, rows.Int64(row, first + 4));
  UM_ASSIGN_OR_RETURN(s.probabilistic, rows.Bool(row, first + 5));
  UM_ASSIGN_OR_RETURN(s.probabilistic_window_hours, rows.Int64(row, first + 6));
  UM_ASSIGN_OR_RETURN(s.mta_lookback_days, rows.Int64(row, first + 7));
  UM_ASSIGN_OR_RETURN(s.time_decay_half_life_hours, rows.Double(row, first + 8));
  UM_ASSIGN_OR_RETURN(s.retention_days, rows.Int64(row, first + 9));
  UM_ASSIGN_OR_RETURN(app.created_ms, rows.Int64(row, first + 10));
  UM_ASSIGN_OR_RETURN(app.updated_ms, rows.Int64(row, first + 11));
  UM_ASSIGN_OR_RETURN(app.demo, rows.Bool(row, first + 12));
  return app;
}

// The seven settings as parameters, in the column order of kAppColumns.
void AppendSettings(PgParams& params, const AppSettings& s) {
  params.push_back(std::to_string(s.click_lookback_hours));
  params.push_back(std::to_string(s.impression_lookback_hours));
  params.push_back(s.probabilistic ? "true" : "false");
  params.push_back(std::to_string(s.probabilistic_window_hours));
  params.push_back(std::to_string(s.mta_lookback_days));
  // Shortest text that reads back as the same double.
  params.push_back(fmt::format("{}", s.time_decay_half_life_hours));
  params.push_back(std::to_string(s.retention_days));
}

std::string DigestHex(const SecretDigest& digest) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * digest.size());
  for (unsigned char byte : digest) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0xf]);
  }
  return hex;
}

Result<SecretDigest> DigestFromHex(std::string_view hex) {
  SecretDigest digest;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  bool ok = hex.size() == 2 * digest.size();
  for (size_t i = 0; ok && i < digest.size(); ++i) {
    int high = nibble(hex[2 * i]);
    int low = nibble(hex[2 * i + 1]);
    ok = high >= 0 && low >= 0;
    digest[i] = static_cast<unsigned char>(high << 4 | low);
  }
  if (!ok) {
    return Status::Corruption(fmt::format("postgres: a key hash of {} hex chars", hex.size()));
  }
  return digest;
}

// True when `id` could be one of ours ("app_" + hex, or any short url-safe
// id): only such ids are echoed or sent to the server (which would refuse
// bytes that are not UTF-8 with another error than NotFound).
bool PlausibleAppId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

Status AppNotFound(std::string_view id) {
  if (!PlausibleAppId(id)) return Status::NotFound("no app with this id");
  return Status::NotFound(fmt::format("no app with id \"{}\"", id));
}

// PostgreSQL text cannot hold a NUL byte (SQLite's can); say so by field.
Status CheckNoNul(std::string_view field, std::string_view value) {
  if (value.find('\0') == std::string_view::npos) return Status::OK();
  return Status::InvalidArgument(
      std::string(field), fmt::format("{} must not contain NUL bytes", field), "invalid_value");
}

Status NotifyRevoked(PgTransaction& txn, const SecretDigest& hash) {
  return txn
      .Exec("SELECT pg_notify($1, $2)", {std::string(PgAppStore::kKeysChannel), DigestHex(hash)})
      .status();
}

}  // namespace

Result<std::unique_ptr<PgAppStore>> PgAppStore::Open(std::string url, const Clock& clock) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> db, PgConnection::Open(url));
  UM_RETURN_IF_ERROR(MigratePgSchema(*db));
  std::unique_ptr<PgAppStore> store(new PgAppStore(std::move(db), clock));
  PgAppStore* raw = store.get();
  // The listener LISTENs before it loads the index, so no revocation falls
  // between the load and the first notification.
  UM_ASSIGN_OR_RETURN(store->listener_,
                      PgListener::Start(
                          url, std::string(kKeysChannel),
                          [raw](std::string_view payload) { raw->OnKeyRevoked(payload); },
                          [raw] { return raw->ReloadKeyIndex(); }));
  return store;
}

void PgAppStore::IndexPut(const SecretDigest& hash, const std::string& app_id) {
  std::lock_guard lock(index_mu_);
  key_index_.Put(hash, app_id);
  indexed_.insert(hash);
}

void PgAppStore::IndexRemove(const SecretDigest& hash) {
  std::lock_guard lock(index_mu_);
  ++removals_;
  key_index_.Erase(hash);
  indexed_.erase(hash);
}

Status PgAppStore::ReloadKeyIndex() {
  for (int attempt = 0; attempt < kMaxReloadAttempts; ++attempt) {
    uint64_t removals_before;
    {
      std::lock_guard lock(index_mu_);
      removals_before = removals_;
    }
    UM_ASSIGN_OR_RETURN(PgRows rows,
                        db_->Exec("SELECT id, encode(api_key_sha256, 'hex') FROM apps"));
    std::unordered_map<SecretDigest, std::string, SecretDigestHash, SecretDigestEq> fresh;
    for (size_t row = 0; row < rows.size(); ++row) {
      UM_ASSIGN_OR_RETURN(SecretDigest hash, DigestFromHex(rows.Text(row, 1)));
      fresh.emplace(hash, rows.Text(row, 0));
    }

    std::lock_guard lock(index_mu_);
    if (removals_ != removals_before) continue;
    for (auto it = indexed_.begin(); it != indexed_.end();) {
      if (fresh.contains(*it)) {
        ++it;
        continue;
      }
      ++removals_;
      key_index_.Erase(*it);
      it = indexed_.erase(it);
    }
    for (auto& [hash, app_id] : fresh) {
      key_index_.Put(hash, app_id);
      indexed_.insert(hash);
    }
    return Status::OK();
  }
  return Status::Unavailable(fmt::format(
      "postgres {}: keys kept being revoked while the key index was reloaded", db_->server()));
}

void PgAppStore::OnKeyRevoked(std::string_view payload) {
  Result<SecretDigest> hash = DigestFromHex(payload);
  if (!hash.ok()) {
    Log("meta").warn("postgres {}: ignoring a malformed notification on {}: {}", db_->server(),
                     kKeysChannel, hash.status().ToString());
    return;
  }
  IndexRemove(*hash);
}

Result<CreatedApp> PgAppStore::Create(std::string name, std::string platform, AppSettings settings,
                                      bool demo) {
  UM_RETURN_IF_ERROR(ValidateAppName(name));
  UM_RETURN_IF_ERROR(CheckNoNul("name", name));
  UM_RETURN_IF_ERROR(ValidatePlatform(platform));
  UM_RETURN_IF_ERROR(ValidateSettings(settings));

  CreatedApp created;
  created.app.name = std::move(name);
  created.app.platform = std::move(platform);
  created.app.settings = settings;
  created.app.demo = demo;
  created.app.created_ms = created.app.updated_ms = clock_.NowMs();
  const std::string sql = fmt::format(
      "INSERT INTO apps (api_key_sha256, {}) VALUES (decode($1, 'hex'), $2, $3, $4, $5, $6, $7, "
      "$8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING RETURNING id",
      kAppColumns);
  SecretDigest key_hash;
  bool inserted = false;
  for (int attempt = 0; attempt < kMaxMintAttempts && !inserted; ++attempt) {
    created.app.id = NewAppId();
    created.api_key = NewApiKey();
    key_hash = HashSecret(created.api_key);
    PgParams params = {DigestHex(key_hash), created.app.id, created.app.name, created.app.platform};
    AppendSettings(params, settings);
    params.push_back(std::to_string(created.app.created_ms));
    params.push_back(std::to_string(created.app.updated_ms));
    params.push_back(demo ? "true" : "false");
    UM_RETURN_IF_ERROR(db_->Transact([&](PgTransaction& txn) {
      UM_ASSIGN_OR_RETURN(PgRows rows, txn.Exec(sql, params));
      inserted = !rows.empty();
      return Status::OK();
    }));
  }
  if (!inserted) {
    return Status::AlreadyExists(
        fmt::format("postgres {}: no unused app id and key after {} attempts", db_->server(),
                    kMaxMintAttempts));
  }
  IndexPut(key_hash, created.app.id);
  return created;
}

Result<std::vector<App>> PgAppStore::List() {
  UM_ASSIGN_OR_RETURN(
      PgRows rows,
      db_->Exec(fmt::format("SELECT {} FROM apps ORDER BY created_ms, seq", kAppColumns)));
  std::vector<App> apps;
  apps.reserve(rows.size());
  for (size_t row = 0; row < rows.size(); ++row) {
    UM_ASSIGN_OR_RETURN(App app, ReadApp(rows, row, 0));
    apps.push_back(std::move(app));
  }
  return apps;
}

Result<App> PgAppStore::Get(std::string_view id) {
  if (!PlausibleAppId(id)) return AppNotFound(id);
  UM_ASSIGN_OR_RETURN(
      PgRows rows,
      db_->Exec(fmt::format("SELECT {} FROM apps WHERE id = $1", kAppColumns), {std::string(id)}));
  if (rows.empty()) return AppNotFound(id);
  return ReadApp(rows, 0, 0);
}

Result<App> PgAppStore::Update(std::string_view id, std::optional<std::string> name,
                               const SettingsEdit& edit_settings) {
  if (name) {
    UM_RETURN_IF_ERROR(ValidateAppName(*name));
    UM_RETURN_IF_ERROR(CheckNoNul("name", *name));
  }
  if (!name && !edit_settings) return Get(id);
  if (!PlausibleAppId(id)) return AppNotFound(id);

  App app;
  UM_RETURN_IF_ERROR(db_->Transact([&](PgTransaction& txn) {
    UM_ASSIGN_OR_RETURN(
        PgRows rows,
        txn.Exec(fmt::format("SELECT {} FROM apps WHERE id = $1 FOR UPDATE", kAppColumns),
                 {std::string(id)}));
    if (rows.empty()) return AppNotFound(id);
    UM_ASSIGN_OR_RETURN(app, ReadApp(rows, 0, 0));
    if (name) app.name = *name;  // A copy: the body may run twice.
    if (edit_settings) {
      UM_RETURN_IF_ERROR(edit_settings(app.settings));
      UM_RETURN_IF_ERROR(ValidateSettings(app.settings));
    }
    app.updated_ms = clock_.NowMs();
    PgParams params = {app.name};
    AppendSettings(params, app.settings);
    params.push_back(std::to_string(app.updated_ms));
    params.push_back(app.id);
    return txn
        .Exec(
            "UPDATE apps SET name = $1, click_lookback_hours = $2, "
            "impression_lookback_hours = $3, probabilistic = $4, "
            "probabilistic_window_hours = $5, mta_lookback_days = $6, "
            "time_decay_half_life_hours = $7, retention_days = $8, updated_ms = $9 "
            "WHERE id = $10",
            params)
        .status();
  }));
  return app;
}

Result<CreatedApp> PgAppStore::RotateKey(std::string_view id) {
  if (!PlausibleAppId(id)) return AppNotFound(id);
  CreatedApp rotated;
  SecretDigest old_hash;
  SecretDigest new_hash;
  Status status;
  for (int attempt = 0; attempt < kMaxMintAttempts; ++attempt) {
    rotated.api_key = NewApiKey();
    new_hash = HashSecret(rotated.api_key);
    status = db_->Transact([&](PgTransaction& txn) {
      UM_ASSIGN_OR_RETURN(
          PgRows rows,
          txn.Exec(fmt::format("SELECT encode(api_key_sha256, 'hex'), {} FROM apps WHERE id = $1 "
                               "FOR UPDATE",
                               kAppColumns),
                   {std::string(id)}));
      if (rows.empty()) return AppNotFound(id);
      UM_ASSIGN_OR_RETURN(old_hash, DigestFromHex(rows.Text(0, 0)));
      UM_ASSIGN_OR_RETURN(rotated.app, ReadApp(rows, 0, 1));
      rotated.app.updated_ms = clock_.NowMs();
      UM_RETURN_IF_ERROR(
          txn.Exec("UPDATE apps SET api_key_sha256 = decode($1, 'hex'), updated_ms = $2 "
                   "WHERE id = $3",
                   {DigestHex(new_hash), std::to_string(rotated.app.updated_ms), rotated.app.id})
              .status());
      // Delivered at COMMIT, to every node's listener.
      return NotifyRevoked(txn, old_hash);
    });
    if (status.code() != StatusCode::kAlreadyExists) break;
  }
  UM_RETURN_IF_ERROR(status);
  {
    std::lock_guard lock(index_mu_);
    ++removals_;
    key_index_.Replace(old_hash, new_hash, rotated.app.id);
    indexed_.erase(old_hash);
    indexed_.insert(new_hash);
  }
  return rotated;
}

Status PgAppStore::Delete(std::string_view id) {
  if (!PlausibleAppId(id)) return AppNotFound(id);
  SecretDigest key_hash;
  UM_RETURN_IF_ERROR(db_->Transact([&](PgTransaction& txn) {
    UM_ASSIGN_OR_RETURN(PgRows rows, txn.Exec("DELETE FROM apps WHERE id = $1 RETURNING "
                                              "encode(api_key_sha256, 'hex')",
                                              {std::string(id)}));
    if (rows.empty()) return AppNotFound(id);
    UM_ASSIGN_OR_RETURN(key_hash, DigestFromHex(rows.Text(0, 0)));
    return NotifyRevoked(txn, key_hash);
  }));
  IndexRemove(key_hash);
  return Status::OK();
}

Result<std::string> PgAppStore::AppIdForKey(std::string_view api_key) {
  Result<std::string> found = key_index_.Find(api_key);
  if (found.ok() || !LooksLikeApiKey(api_key)) return found;

  // A miss: the key may have been created or rotated in on another node.
  const SecretDigest hash = HashSecret(api_key);
  uint64_t removals_before;
  {
    std::lock_guard lock(index_mu_);
    removals_before = removals_;
  }
  UM_ASSIGN_OR_RETURN(
      PgRows rows,
      db_->Exec("SELECT id FROM apps WHERE api_key_sha256 = decode($1, 'hex')", {DigestHex(hash)}));
  if (rows.empty()) return found;
  std::string app_id = rows.Text(0, 0);
  std::lock_guard lock(index_mu_);
  if (removals_ == removals_before) {
    key_index_.Put(hash, app_id);
    indexed_.insert(hash);
  }
  return app_id;
}

}  // namespace unmogrowp
