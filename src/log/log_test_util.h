#pragma once

// Helpers shared by the log module's tests: a self-deleting temp directory,
// batch builders, a blocking append, and read-everything. Test-only.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "event/encoded_batch.h"
#include "log/event_log.h"

namespace unmogrowp::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path()/name, not created.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

EncodedBatch MakeBatch(const std::vector<std::string>& payloads);
// `count` payloads "<prefix>-<i>" padded with 'x' to `size` bytes.
std::vector<std::string> MakePayloads(const std::string& prefix, size_t count, size_t size);

struct AppendResult {
  Status status;
  uint64_t first_offset = 0;
};
// Appends and waits (on a future, not a clock) for the callback.
AppendResult AppendAndWait(EventLog& log, const std::vector<std::string>& payloads);

struct ReadRecord {
  uint64_t offset;
  uint64_t next_offset;
  std::string payload;
};
// Reads from `offset` until caught up; fails the test on error.
std::vector<ReadRecord> ReadAll(EventLog& log, uint64_t offset = 0);
std::vector<std::string> Payloads(const std::vector<ReadRecord>& records);

// Whole-file helpers for damaging segments in place.
std::string ReadFileBytes(const std::string& path);
void WriteFileBytes(const std::string& path, const std::string& bytes);

// Records what the "log" module logger prints while it exists. Create and
// destroy it only while no other thread logs to it (before SegmentedLog::Open,
// after Close): it adds and removes a sink.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // Messages printed at `level` ("info", "warning", ...).
  std::vector<std::string> At(const std::string& level) const;

 private:
  class Sink;
  std::shared_ptr<Sink> sink_;
};

}  // namespace unmogrowp::testing
