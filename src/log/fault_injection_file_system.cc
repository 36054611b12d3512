#include "log/fault_injection_file_system.h"

#include <errno.h>

#include <cstring>

namespace unmogrowp {

namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

Status InjectedEio(std::string_view op) {
  return Status::IOError(std::string(op) + ": " + std::strerror(EIO) + " (injected)");
}

}  // namespace

// Forwards to the base file and reports writes and syncs to the owner.
class FaultInjectionFileSystem::File final : public WritableFile {
 public:
  File(FaultInjectionFileSystem* owner, std::string path, std::unique_ptr<WritableFile> base)
      : owner_(owner), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    UM_RETURN_IF_ERROR(owner_->BeforeWrite());
    UM_RETURN_IF_ERROR(base_->Append(data));
    owner_->AfterWrite(path_, data.size());
    return Status::OK();
  }

  Status Sync() override {
    UM_RETURN_IF_ERROR(owner_->BeforeSync());
    UM_RETURN_IF_ERROR(base_->Sync());
    owner_->AfterSync(path_);
    return Status::OK();
  }

  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionFileSystem* const owner_;
  const std::string path_;
  std::unique_ptr<WritableFile> base_;
};

void FaultInjectionFileSystem::FailNextSyncs(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_syncs_ = n;
}

void FaultInjectionFileSystem::FailAllSyncs(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_all_syncs_ = on;
}

void FaultInjectionFileSystem::FailWrites(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_writes_ = on;
}

void FaultInjectionFileSystem::FailDirSyncs(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_dir_syncs_ = on;
}

void FaultInjectionFileSystem::SetSyncHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  sync_hook_ = std::move(hook);
}

int FaultInjectionFileSystem::sync_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sync_count_;
}

uint64_t FaultInjectionFileSystem::SyncedSize(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? 0 : it->second.synced_size;
}

Status FaultInjectionFileSystem::BeforeWrite() {
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_writes_) return InjectedEio("write");
  return Status::OK();
}

void FaultInjectionFileSystem::AfterWrite(const std::string& path, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[path].size += bytes;
}

Status FaultInjectionFileSystem::BeforeSync() {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = sync_hook_;
  }
  if (hook) hook();
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_all_syncs_) return InjectedEio("fdatasync");
  if (fail_next_syncs_ > 0) {
    --fail_next_syncs_;
    return InjectedEio("fdatasync");
  }
  return Status::OK();
}

void FaultInjectionFileSystem::AfterSync(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  FileState& state = files_[path];
  state.synced_size = state.size;
  ++sync_count_;
}

Status FaultInjectionFileSystem::DropUnsyncedData() {
  std::map<std::string, FileState> files;
  std::set<std::string> created;
  {
    std::lock_guard<std::mutex> lock(mu_);
    files = files_;
    created.swap(created_unsynced_);
  }
  for (const auto& [path, state] : files) {
    if (created.count(path) != 0) continue;
    if (state.size != state.synced_size) {
      UM_RETURN_IF_ERROR(base_->TruncateFile(path, state.synced_size));
    }
  }
  for (const std::string& path : created) {
    UM_RETURN_IF_ERROR(base_->RemoveFile(path));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [path, state] : files_) state.size = state.synced_size;
  for (const std::string& path : created) files_.erase(path);
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::NewAppendableFile(
    const std::string& path) {
  bool existed = base_->FileSize(path).ok();
  UM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> base_file, base_->NewAppendableFile(path));
  uint64_t size = 0;
  if (existed) {
    UM_ASSIGN_OR_RETURN(size, base_->FileSize(path));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A file that existed before is taken as durable up to its current size.
    files_[path] = FileState{size, size};
    if (!existed) created_unsynced_.insert(path);
  }
  return std::unique_ptr<WritableFile>(std::make_unique<File>(this, path, std::move(base_file)));
}

Result<std::unique_ptr<RandomAccessFile>> FaultInjectionFileSystem::NewRandomAccessFile(
    const std::string& path) {
  return base_->NewRandomAccessFile(path);
}

Status FaultInjectionFileSystem::CreateDirIfMissing(const std::string& dir) {
  return base_->CreateDirIfMissing(dir);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& dir) {
  return base_->ListDir(dir);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_dir_syncs_) return InjectedEio("fsync dir");
  }
  UM_RETURN_IF_ERROR(base_->SyncDir(dir));
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = created_unsynced_.begin(); it != created_unsynced_.end();) {
    it = DirName(*it) == dir ? created_unsynced_.erase(it) : std::next(it);
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  UM_RETURN_IF_ERROR(base_->RemoveFile(path));
  std::lock_guard<std::mutex> lock(mu_);
  files_.erase(path);
  created_unsynced_.erase(path);
  return Status::OK();
}

Status FaultInjectionFileSystem::TruncateFile(const std::string& path, uint64_t size) {
  UM_RETURN_IF_ERROR(base_->TruncateFile(path, size));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) it->second = FileState{size, size};
  return Status::OK();
}

Result<uint64_t> FaultInjectionFileSystem::FileSize(const std::string& path) {
  return base_->FileSize(path);
}

Result<std::unique_ptr<FileLock>> FaultInjectionFileSystem::LockFile(const std::string& path) {
  return base_->LockFile(path);
}

}  // namespace unmogrowp
