#include "log/log_test_util.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>

#include "core/logging.h"

namespace unmogrowp::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/um-log-test-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr) << "mkdtemp " << pattern;
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;  // best effort: a leftover temp dir fails nothing
  std::filesystem::remove_all(path_, ignored);
}

EncodedBatch MakeBatch(const std::vector<std::string>& payloads) {
  EncodedBatch batch;
  for (const std::string& payload : payloads) {
    batch.bytes += payload;
    batch.EndEvent();
  }
  return batch;
}

std::vector<std::string> MakePayloads(const std::string& prefix, size_t count, size_t size) {
  std::vector<std::string> payloads;
  for (size_t i = 0; i < count; ++i) {
    std::string payload = prefix + "-" + std::to_string(i);
    if (payload.size() < size) payload.resize(size, 'x');
    payloads.push_back(std::move(payload));
  }
  return payloads;
}

AppendResult AppendAndWait(EventLog& log, const std::vector<std::string>& payloads) {
  std::promise<AppendResult> promise;
  std::future<AppendResult> future = promise.get_future();
  log.Append(MakeBatch(payloads), [&promise](const Status& status, uint64_t first_offset) {
    promise.set_value(AppendResult{status, first_offset});
  });
  return future.get();
}

std::vector<ReadRecord> ReadAll(EventLog& log, uint64_t offset) {
  std::vector<ReadRecord> records;
  Result<std::unique_ptr<LogReader>> reader = log.NewReader(offset);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return records;
  LogRecord record;
  while (true) {
    Result<bool> more = (*reader)->Next(&record);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    records.push_back(ReadRecord{record.offset, record.next_offset, std::string(record.payload)});
  }
  return records;
}

std::vector<std::string> Payloads(const std::vector<ReadRecord>& records) {
  std::vector<std::string> payloads;
  payloads.reserve(records.size());
  for (const ReadRecord& r : records) payloads.push_back(r.payload);
  return payloads;
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good()) << path;
}

class LogCapture::Sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::string_view_t level = spdlog::level::to_string_view(msg.level);
    messages_.emplace_back(std::string(level.data(), level.size()),
                           std::string(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  std::vector<std::pair<std::string, std::string>> messages_;  // (level, text)
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()) { Log("log").sinks().push_back(sink_); }

LogCapture::~LogCapture() {
  std::vector<spdlog::sink_ptr>& sinks = Log("log").sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
}

std::vector<std::string> LogCapture::At(const std::string& level) const {
  std::vector<std::string> texts;
  for (auto& [message_level, text] : sink_->messages()) {
    if (message_level == level) texts.push_back(text);
  }
  return texts;
}

}  // namespace unmogrowp::testing
