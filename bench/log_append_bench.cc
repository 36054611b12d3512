// Embedded event log benchmarks: durable append throughput of 1000-record
// batches of ~200-byte payloads (each batch counts once its fdatasync has
// returned, as a 202 would), with 1, 4 or 16 batches in flight so that group
// commit can merge them; and CRC32C speed, hardware vs the Boost.CRC fallback.
// The log lives in a fresh directory under $TMPDIR (default /tmp).

#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>

#include "event/encoded_batch.h"
#include "log/crc32c.h"
#include "log/record_format.h"
#include "log/segmented_log.h"

namespace unmogrowp {
namespace {

constexpr int kRecordsPerBatch = 1000;
constexpr size_t kPayloadBytes = 200;

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/um-log-bench-XXXXXX";
  return ::mkdtemp(pattern.data()) ? pattern : std::string();
}

EncodedBatch MakeBatch() {
  std::mt19937_64 rng(7);
  EncodedBatch batch;
  for (int i = 0; i < kRecordsPerBatch; ++i) {
    for (size_t b = 0; b < kPayloadBytes; ++b) batch.bytes.push_back(static_cast<char>(rng()));
    batch.EndEvent();
  }
  return batch;
}

void BM_LogAppendDurable(benchmark::State& state) {
  const int64_t max_in_flight = state.range(0);
  std::string dir = MakeTempDir();
  if (dir.empty()) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  SegmentedLog::Options options;
  options.dir = dir + "/log";
  Result<std::unique_ptr<SegmentedLog>> log = SegmentedLog::Open(options);
  if (!log.ok()) {
    state.SkipWithError(log.status().ToString().c_str());
    return;
  }
  const EncodedBatch batch = MakeBatch();

  std::mutex mu;
  std::condition_variable cv;
  int64_t in_flight = 0;
  bool failed = false;
  auto done = [&](const Status& status, uint64_t) {
    std::lock_guard<std::mutex> lock(mu);
    --in_flight;
    failed = failed || !status.ok();
    cv.notify_all();
  };
  for (auto _ : state) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight < max_in_flight; });
      ++in_flight;
    }
    (*log)->Append(batch, done);  // copies the batch, as a decoder hands over a fresh one
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  if (failed) state.SkipWithError("an append failed");
  if (!(*log)->Close().ok()) state.SkipWithError("close failed");
  log->reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  state.SetItemsProcessed(state.iterations() * kRecordsPerBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.bytes.size()));
}
BENCHMARK(BM_LogAppendDurable)
    ->Arg(1)
    ->Arg(4)
    ->Arg(16)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_Crc32c(benchmark::State& state) {
  const bool hardware = state.range(0) == 1;
  std::string data(static_cast<size_t>(state.range(1)), 'x');
  uint32_t crc = 0;
  for (auto _ : state) {
    crc = hardware ? crc32c::Value(data) : crc32c::ExtendPortable(0, data.data(), data.size());
    benchmark::DoNotOptimize(crc);
  }
  state.SetBytesProcessed(state.iterations() * state.range(1));
  state.SetLabel(hardware ? (crc32c::HardwareAccelerated() ? "sse4.2" : "no sse4.2: boost")
                          : "boost");
}
BENCHMARK(BM_Crc32c)->Args({1, 208})->Args({0, 208})->Args({1, 65536})->Args({0, 65536});

}  // namespace
}  // namespace unmogrowp

namespace unmogrowp {
namespace {

// What Append does on the caller's thread before taking the lock: frame and
// checksum one 1000-record batch.
void BM_LogFrameBatch(benchmark::State& state) {
  const EncodedBatch batch = MakeBatch();
  std::string framed;
  for (auto _ : state) {
    framed.clear();
    for (size_t i = 0; i < batch.size(); ++i) log_format::AppendRecord(batch.at(i), &framed);
    benchmark::DoNotOptimize(framed.data());
  }
  state.SetItemsProcessed(state.iterations() * kRecordsPerBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.bytes.size()));
}
BENCHMARK(BM_LogFrameBatch);

}  // namespace
}  // namespace unmogrowp
