#include "meta/sqlite_app_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "meta/api_key.h"
#include "meta/sqlite_schema.h"

namespace unmogrowp {

namespace {

// Ids and keys are 64 and 256 random bits; a collision is all but impossible,
// but a UNIQUE violation is retried with fresh values rather than failed.
constexpr int kMaxMintAttempts = 3;

constexpr std::string_view kAppColumns =
    "id, name, platform, click_lookback_hours, impression_lookback_hours, probabilistic, "
    "probabilistic_window_hours, mta_lookback_days, time_decay_half_life_hours, retention_days, "
    "created_ms, updated_ms, demo";

// How many columns (and parameters of BindSettings) the settings take.
constexpr int kSettingsColumns = 7;

// Reads one row selected with kAppColumns.
App ReadApp(const SqliteStatement& row) {
  App app;
  app.id = row.ColumnText(0);
  app.name = row.ColumnText(1);
  app.platform = row.ColumnText(2);
  app.settings.click_lookback_hours = row.ColumnInt64(3);
  app.settings.impression_lookback_hours = row.ColumnInt64(4);
  app.settings.probabilistic = row.ColumnInt64(5) != 0;
  app.settings.probabilistic_window_hours = row.ColumnInt64(6);
  app.settings.mta_lookback_days = row.ColumnInt64(7);
  app.settings.time_decay_half_life_hours = row.ColumnDouble(8);
  app.settings.retention_days = row.ColumnInt64(9);
  app.created_ms = row.ColumnInt64(10);
  app.updated_ms = row.ColumnInt64(11);
  app.demo = row.ColumnInt64(12) != 0;
  return app;
}

// Binds the settings to parameters first..first+kSettingsColumns-1.
void BindSettings(SqliteStatement& stmt, int first, const AppSettings& s) {
  stmt.BindInt64(first, s.click_lookback_hours);
  stmt.BindInt64(first + 1, s.impression_lookback_hours);
  stmt.BindInt64(first + 2, s.probabilistic ? 1 : 0);
  stmt.BindInt64(first + 3, s.probabilistic_window_hours);
  stmt.BindInt64(first + 4, s.mta_lookback_days);
  stmt.BindDouble(first + 5, s.time_decay_half_life_hours);
  stmt.BindInt64(first + 6, s.retention_days);
}

void BindDigest(SqliteStatement& stmt, int index, const SecretDigest& digest) {
  stmt.BindBlob(index, digest.data(), digest.size());
}

Status AppNotFound(std::string_view id) {
  // Echo the id only when it could be one of ours: it comes from a URL and
  // lands in a JSON response.
  bool echo = id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-';
              });
  if (!echo) return Status::NotFound("no app with this id");
  return Status::NotFound(fmt::format("no app with id \"{}\"", id));
}

}  // namespace

Result<std::unique_ptr<SqliteAppStore>> SqliteAppStore::Open(const std::string& path,
                                                             const Clock& clock) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path));
  UM_RETURN_IF_ERROR(MigrateSqliteSchema(*db));
  std::unique_ptr<SqliteAppStore> store(new SqliteAppStore(std::move(db), clock));
  UM_RETURN_IF_ERROR(store->PrepareStatements());
  UM_RETURN_IF_ERROR(store->LoadKeyIndex());
  return store;
}

Status SqliteAppStore::PrepareStatements() {
  UM_ASSIGN_OR_RETURN(insert_,
                      db_->Prepare(fmt::format("INSERT INTO apps (api_key_sha256, {}) VALUES "
                                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                               kAppColumns)));
  UM_ASSIGN_OR_RETURN(select_one_,
                      db_->Prepare(fmt::format("SELECT {} FROM apps WHERE id = ?", kAppColumns)));
  UM_ASSIGN_OR_RETURN(
      select_all_,
      db_->Prepare(fmt::format("SELECT {} FROM apps ORDER BY created_ms, rowid", kAppColumns)));
  UM_ASSIGN_OR_RETURN(update_,
                      db_->Prepare("UPDATE apps SET name = ?, click_lookback_hours = ?, "
                                   "impression_lookback_hours = ?, probabilistic = ?, "
                                   "probabilistic_window_hours = ?, mta_lookback_days = ?, "
                                   "time_decay_half_life_hours = ?, retention_days = ?, "
                                   "updated_ms = ? WHERE id = ?"));
  UM_ASSIGN_OR_RETURN(update_key_,
                      db_->Prepare("UPDATE apps SET api_key_sha256 = ?, updated_ms = ? "
                                   "WHERE id = ?"));
  UM_ASSIGN_OR_RETURN(delete_, db_->Prepare("DELETE FROM apps WHERE id = ?"));
  return Status::OK();
}

Status SqliteAppStore::LoadKeyIndex() {
  std::lock_guard lock(mu_);
  UM_ASSIGN_OR_RETURN(SqliteStatement select, db_->Prepare("SELECT id, api_key_sha256 FROM apps"));
  StatementReset reset(select);
  while (true) {
    UM_ASSIGN_OR_RETURN(bool has_row, select.Step());
    if (!has_row) break;
    std::string id = select.ColumnText(0);
    std::string_view blob = select.ColumnBlob(1);
    SecretDigest digest;
    if (blob.size() != digest.size()) {
      return Status::Corruption(
          fmt::format("sqlite: app {} has a key hash of {} bytes", id, blob.size()));
    }
    std::copy(blob.begin(), blob.end(), digest.begin());
    key_index_.Put(digest, id);
    key_hash_by_app_.emplace(std::move(id), digest);
  }
  return Status::OK();
}

Result<CreatedApp> SqliteAppStore::Create(std::string name, std::string platform,
                                          AppSettings settings, bool demo) {
  UM_RETURN_IF_ERROR(ValidateAppName(name));
  UM_RETURN_IF_ERROR(ValidatePlatform(platform));
  UM_RETURN_IF_ERROR(ValidateSettings(settings));

  std::lock_guard lock(mu_);
  CreatedApp created;
  created.app.name = std::move(name);
  created.app.platform = std::move(platform);
  created.app.settings = settings;
  created.app.demo = demo;
  created.app.created_ms = created.app.updated_ms = clock_.NowMs();
  SecretDigest key_hash;
  Status inserted;
  for (int attempt = 0; attempt < kMaxMintAttempts; ++attempt) {
    created.app.id = NewAppId();
    created.api_key = NewApiKey();
    key_hash = HashSecret(created.api_key);
    StatementReset reset(insert_);
    BindDigest(insert_, 1, key_hash);
    insert_.BindText(2, created.app.id);
    insert_.BindText(3, created.app.name);
    insert_.BindText(4, created.app.platform);
    BindSettings(insert_, 5, settings);
    insert_.BindInt64(5 + kSettingsColumns, created.app.created_ms);
    insert_.BindInt64(6 + kSettingsColumns, created.app.updated_ms);
    insert_.BindInt64(7 + kSettingsColumns, demo ? 1 : 0);
    inserted = insert_.Run();
    if (inserted.code() != StatusCode::kAlreadyExists) break;
  }
  UM_RETURN_IF_ERROR(inserted);
  key_hash_by_app_.emplace(created.app.id, key_hash);
  key_index_.Put(key_hash, created.app.id);
  return created;
}

Result<std::vector<App>> SqliteAppStore::List() {
  std::lock_guard lock(mu_);
  StatementReset reset(select_all_);
  std::vector<App> apps;
  while (true) {
    UM_ASSIGN_OR_RETURN(bool has_row, select_all_.Step());
    if (!has_row) break;
    apps.push_back(ReadApp(select_all_));
  }
  return apps;
}

Result<App> SqliteAppStore::Get(std::string_view id) {
  std::lock_guard lock(mu_);
  return GetLocked(id);
}

Result<App> SqliteAppStore::GetLocked(std::string_view id) {
  StatementReset reset(select_one_);
  select_one_.BindText(1, id);
  UM_ASSIGN_OR_RETURN(bool has_row, select_one_.Step());
  if (!has_row) return AppNotFound(id);
  return ReadApp(select_one_);
}

Result<App> SqliteAppStore::Update(std::string_view id, std::optional<std::string> name,
                                   const SettingsEdit& edit_settings) {
  if (name) UM_RETURN_IF_ERROR(ValidateAppName(*name));

  std::lock_guard lock(mu_);
  UM_ASSIGN_OR_RETURN(App app, GetLocked(id));
  if (!name && !edit_settings) return app;
  if (name) app.name = std::move(*name);
  if (edit_settings) {
    UM_RETURN_IF_ERROR(edit_settings(app.settings));
    UM_RETURN_IF_ERROR(ValidateSettings(app.settings));
  }
  app.updated_ms = clock_.NowMs();

  StatementReset reset(update_);
  update_.BindText(1, app.name);
  BindSettings(update_, 2, app.settings);
  update_.BindInt64(2 + kSettingsColumns, app.updated_ms);
  update_.BindText(3 + kSettingsColumns, app.id);
  UM_RETURN_IF_ERROR(update_.Run());
  if (db_->Changes() != 1) return AppNotFound(id);
  return app;
}

Result<CreatedApp> SqliteAppStore::RotateKey(std::string_view id) {
  std::lock_guard lock(mu_);
  UM_ASSIGN_OR_RETURN(App app, GetLocked(id));
  auto old_hash = key_hash_by_app_.find(app.id);
  if (old_hash == key_hash_by_app_.end()) {
    return Status::Internal(fmt::format("app {} is missing from the key index", app.id));
  }
  app.updated_ms = clock_.NowMs();

  CreatedApp rotated;
  SecretDigest key_hash;
  Status updated;
  for (int attempt = 0; attempt < kMaxMintAttempts; ++attempt) {
    rotated.api_key = NewApiKey();
    key_hash = HashSecret(rotated.api_key);
    StatementReset reset(update_key_);
    BindDigest(update_key_, 1, key_hash);
    update_key_.BindInt64(2, app.updated_ms);
    update_key_.BindText(3, app.id);
    updated = update_key_.Run();
    if (updated.code() != StatusCode::kAlreadyExists) break;
  }
  UM_RETURN_IF_ERROR(updated);
  if (db_->Changes() != 1) return AppNotFound(id);
  key_index_.Replace(old_hash->second, key_hash, app.id);
  old_hash->second = key_hash;
  rotated.app = std::move(app);
  return rotated;
}

Status SqliteAppStore::Delete(std::string_view id) {
  std::lock_guard lock(mu_);
  {
    StatementReset reset(delete_);
    delete_.BindText(1, id);
    UM_RETURN_IF_ERROR(delete_.Run());
  }
  if (db_->Changes() != 1) return AppNotFound(id);
  // After the commit (synchronous=FULL): a key is never rejected for an app
  // that a crash would bring back.
  auto key_hash = key_hash_by_app_.find(std::string(id));
  if (key_hash != key_hash_by_app_.end()) {
    key_index_.Erase(key_hash->second);
    key_hash_by_app_.erase(key_hash);
  }
  return Status::OK();
}

Result<std::string> SqliteAppStore::AppIdForKey(std::string_view api_key) {
  return key_index_.Find(api_key);
}

}  // namespace unmogrowp
