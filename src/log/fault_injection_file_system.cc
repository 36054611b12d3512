#include "log/fault_injection_file_system.h"

#include <errno.h>

#include <algorithm>
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

Result<std::string> ReadWholeFile(FileSystem* fs, const std::string& path) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, fs->NewRandomAccessFile(path));
  std::string bytes;
  constexpr size_t kChunk = 1 << 20;
  while (true) {
    size_t at = bytes.size();
    bytes.resize(at + kChunk);
    UM_ASSIGN_OR_RETURN(size_t n, file->Read(at, kChunk, bytes.data() + at));
    bytes.resize(at + n);
    if (n < kChunk) return bytes;
  }
}

Status WriteWholeFile(FileSystem* fs, const std::string& path, std::string_view bytes) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs->NewAppendableFile(path));
  UM_RETURN_IF_ERROR(file->Append(bytes));
  UM_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

}  // namespace

// Forwards to the base file and reports writes and syncs to the owner.
class FaultInjectionFileSystem::File final : public WritableFile {
 public:
  File(FaultInjectionFileSystem* owner, std::string path, std::unique_ptr<WritableFile> base)
      : owner_(owner), path_(std::move(path)), base_(std::move(base)) {}

  uint64_t position() const override { return base_->position(); }
  uint64_t size() const override { return base_->size(); }

  Status Append(std::string_view data) override {
    UM_RETURN_IF_ERROR(owner_->BeforeWrite());
    Status status = base_->Append(data);
    owner_->AfterWrite(path_, *base_);  // a failed write may have written some
    return status;
  }

  Status Prefill(uint64_t n) override {
    UM_RETURN_IF_ERROR(owner_->BeforeWrite());
    Status status = base_->Prefill(n);
    owner_->AfterWrite(path_, *base_);
    return status;
  }

  Status Sync() override {
    UM_RETURN_IF_ERROR(owner_->BeforeSync());
    UM_RETURN_IF_ERROR(base_->Sync());
    owner_->AfterSync(path_, *base_, /*count=*/true);
    return Status::OK();
  }

  Status TruncateToPosition() override {
    UM_RETURN_IF_ERROR(owner_->BeforeChange("truncate"));
    Status status = base_->TruncateToPosition();
    owner_->AfterWrite(path_, *base_);
    if (status.ok()) owner_->AfterSync(path_, *base_, /*count=*/false);
    return status;
  }

  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionFileSystem* const owner_;
  const std::string path_;
  std::unique_ptr<WritableFile> base_;
};

// Forwards reads to the base file after running the read hook.
class FaultInjectionFileSystem::ReadFile final : public RandomAccessFile {
 public:
  ReadFile(const FaultInjectionFileSystem* owner, std::string path,
           std::unique_ptr<RandomAccessFile> base)
      : owner_(owner), path_(std::move(path)), base_(std::move(base)) {}

  Result<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    std::function<void(const std::string&, uint64_t)> hook;
    {
      std::lock_guard<std::mutex> lock(owner_->mu_);
      hook = owner_->read_hook_;
    }
    if (hook) hook(path_, offset);
    return base_->Read(offset, n, scratch);
  }

 private:
  const FaultInjectionFileSystem* const owner_;
  const std::string path_;
  std::unique_ptr<RandomAccessFile> base_;
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

void FaultInjectionFileSystem::SetReadHook(
    std::function<void(const std::string& path, uint64_t offset)> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  read_hook_ = std::move(hook);
}

int FaultInjectionFileSystem::sync_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sync_count_;
}

uint64_t FaultInjectionFileSystem::SyncedPosition(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? 0 : it->second.synced_position;
}

void FaultInjectionFileSystem::CrashAfterChanges(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  changes_left_ = n;
  crashed_ = false;
}

bool FaultInjectionFileSystem::crashed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return crashed_;
}

Status FaultInjectionFileSystem::BeforeChange(std::string_view op) {
  std::lock_guard<std::mutex> lock(mu_);
  if (changes_left_ < 0) return Status::OK();
  if (changes_left_ == 0) {
    crashed_ = true;
    return Status::IOError(std::string(op) + ": the process has crashed (injected)");
  }
  --changes_left_;
  return Status::OK();
}

Status FaultInjectionFileSystem::BeforeWrite() {
  UM_RETURN_IF_ERROR(BeforeChange("write"));
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_writes_) return InjectedEio("write");
  return Status::OK();
}

void FaultInjectionFileSystem::AfterWrite(const std::string& path, const WritableFile& file) {
  std::lock_guard<std::mutex> lock(mu_);
  FileState& state = files_[path];
  state.position = file.position();
  state.size = file.size();
}

Status FaultInjectionFileSystem::BeforeSync() {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = sync_hook_;
  }
  if (hook) hook();
  UM_RETURN_IF_ERROR(BeforeChange("fdatasync"));
  std::lock_guard<std::mutex> lock(mu_);
  if (fail_all_syncs_) return InjectedEio("fdatasync");
  if (fail_next_syncs_ > 0) {
    --fail_next_syncs_;
    return InjectedEio("fdatasync");
  }
  return Status::OK();
}

void FaultInjectionFileSystem::AfterSync(const std::string& path, const WritableFile& file,
                                         bool count) {
  std::lock_guard<std::mutex> lock(mu_);
  FileState& state = files_[path];
  state.position = state.synced_position = file.position();
  state.size = state.synced_size = file.size();
  if (count) ++sync_count_;
}

Status FaultInjectionFileSystem::DropUnsyncedData(UnsyncedTail tail) {
  std::map<std::string, FileState> files;
  std::set<std::string> created;
  std::vector<PendingRename> renames;
  {
    std::lock_guard<std::mutex> lock(mu_);
    files = files_;
    created.swap(created_unsynced_);
    renames.swap(pending_renames_);
  }
  std::map<std::string, FileState> after;
  for (const auto& [path, state] : files) {
    if (created.count(path) != 0) continue;
    const uint64_t end = tail == UnsyncedTail::kCut ? state.synced_size : state.size;
    // Unsynced records below `end` were written over zeros (pre-filled, or
    // past the old end): they revert to zeros.
    const uint64_t zero_from = std::min(state.synced_position, end);
    const bool unsynced_records = std::min(state.position, end) > zero_from;
    if (unsynced_records || (tail == UnsyncedTail::kZeros && end > state.synced_size)) {
      UM_RETURN_IF_ERROR(base_->TruncateFile(path, zero_from));
      UM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewAppendableFile(path));
      UM_RETURN_IF_ERROR(file->Prefill(end - zero_from));
      UM_RETURN_IF_ERROR(file->Sync());
      UM_RETURN_IF_ERROR(file->Close());
    } else if (state.size != end) {
      UM_RETURN_IF_ERROR(base_->TruncateFile(path, end));
    }
    const uint64_t position = std::min(state.synced_position, end);
    after[path] = FileState{position, end, position, end};
  }
  for (const std::string& path : created) {
    UM_RETURN_IF_ERROR(base_->RemoveFile(path));
    after.erase(path);
  }
  std::set<std::string> gone;
  for (auto it = renames.rbegin(); it != renames.rend(); ++it) {
    UM_RETURN_IF_ERROR(base_->RenameFile(it->to, it->from));
    auto moved = after.find(it->to);
    if (moved != after.end()) {
      after[it->from] = moved->second;
      after.erase(moved);
    }
    if (it->from_created_unsynced) {
      UM_RETURN_IF_ERROR(base_->RemoveFile(it->from));
      after.erase(it->from);
      gone.insert(it->from);
    }
    if (it->replaced) {
      UM_RETURN_IF_ERROR(WriteWholeFile(base_, it->to, *it->replaced));
      const uint64_t size = it->replaced->size();
      after[it->to] = FileState{size, size, size, size};
    } else {
      gone.insert(it->to);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& path : created) files_.erase(path);
  for (const std::string& path : gone) files_.erase(path);
  for (const auto& [path, state] : after) files_[path] = state;
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::NewAppendableFile(
    const std::string& path) {
  UM_RETURN_IF_ERROR(BeforeChange("open for writing"));
  bool existed = base_->FileSize(path).ok();
  UM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> base_file, base_->NewAppendableFile(path));
  uint64_t size = base_file->size();
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A file that existed before is taken as durable up to its current size.
    files_[path] = FileState{size, size, size, size};
    if (!existed) created_unsynced_.insert(path);
  }
  return std::unique_ptr<WritableFile>(std::make_unique<File>(this, path, std::move(base_file)));
}

Result<std::unique_ptr<RandomAccessFile>> FaultInjectionFileSystem::NewRandomAccessFile(
    const std::string& path) {
  UM_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> base, base_->NewRandomAccessFile(path));
  return std::unique_ptr<RandomAccessFile>(std::make_unique<ReadFile>(this, path, std::move(base)));
}

Status FaultInjectionFileSystem::CreateDirIfMissing(const std::string& dir) {
  return base_->CreateDirIfMissing(dir);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& dir) {
  return base_->ListDir(dir);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  UM_RETURN_IF_ERROR(BeforeChange("fsync dir"));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_dir_syncs_) return InjectedEio("fsync dir");
  }
  UM_RETURN_IF_ERROR(base_->SyncDir(dir));
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = created_unsynced_.begin(); it != created_unsynced_.end();) {
    it = DirName(*it) == dir ? created_unsynced_.erase(it) : std::next(it);
  }
  pending_renames_.erase(
      std::remove_if(pending_renames_.begin(), pending_renames_.end(),
                     [&dir](const PendingRename& rename) { return DirName(rename.to) == dir; }),
      pending_renames_.end());
  return Status::OK();
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  UM_RETURN_IF_ERROR(BeforeChange("unlink"));
  UM_RETURN_IF_ERROR(base_->RemoveFile(path));
  std::lock_guard<std::mutex> lock(mu_);
  files_.erase(path);
  created_unsynced_.erase(path);
  return Status::OK();
}

Status FaultInjectionFileSystem::RenameFile(const std::string& from, const std::string& to) {
  UM_RETURN_IF_ERROR(BeforeChange("rename"));
  // Keep what `to` holds, for a power loss before the directory is synced.
  std::optional<std::string> replaced;
  if (base_->FileSize(to).ok()) {
    UM_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(base_, to));
    replaced = std::move(bytes);
  }
  UM_RETURN_IF_ERROR(base_->RenameFile(from, to));
  std::lock_guard<std::mutex> lock(mu_);
  PendingRename rename{from, to, created_unsynced_.erase(from) > 0, std::move(replaced)};
  auto it = files_.find(from);
  if (it != files_.end()) {
    files_[to] = it->second;
    files_.erase(from);
  } else {
    files_.erase(to);
  }
  pending_renames_.push_back(std::move(rename));
  return Status::OK();
}

Status FaultInjectionFileSystem::TruncateFile(const std::string& path, uint64_t size) {
  UM_RETURN_IF_ERROR(BeforeChange("truncate"));
  UM_RETURN_IF_ERROR(base_->TruncateFile(path, size));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) it->second = FileState{size, size, size, size};
  return Status::OK();
}

Result<uint64_t> FaultInjectionFileSystem::FileSize(const std::string& path) {
  return base_->FileSize(path);
}

Result<std::unique_ptr<FileLock>> FaultInjectionFileSystem::LockFile(const std::string& path) {
  return base_->LockFile(path);
}

}  // namespace unmogrowp
