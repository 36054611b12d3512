// Decoding throughput of the ingestion path: a 1000-event batch of ~300-byte
// events through EventDecoder (JSON array and NDJSON forms), plus single-event
// bodies. Reports bytes/s and events/s (items_per_second).

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "core/ids.h"
#include "event/decoder.h"
#include "event/encoded_batch.h"

namespace unmogrowp {
namespace {

constexpr int64_t kNowMs = 1'717'000'000'000;
constexpr int kBatchEvents = 1000;

// One event of about 300 bytes; `i` varies every field a real SDK would vary.
std::string MakeEvent(int i) {
  static constexpr const char* kTypes[] = {"click", "install", "open", "purchase"};
  const char* type = kTypes[i % 4];
  return fmt::format(
      R"j({{"event_type":"{}","timestamp":{},"event_id":"evt-{:08d}-{:04x}",)j"
      R"j("device_id":"6D92078A-8246-4BA4-AE5B-{:012d}","ip":"203.0.113.{}",)j"
      R"j("user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4)",)j"
      R"j("source":"network_{}","campaign":"summer_24","revenue":{}.99,"currency":"USD",)j"
      R"j("properties":{{"sku":"gold_pack","level":{}}}}})j",
      type, kNowMs - 60'000 + i, i, i * 7919 % 65536, i, i % 250, i % 17, i % 50, i % 90);
}

std::string MakeBatch(bool ndjson) {
  std::string body = ndjson ? "" : "[";
  for (int i = 0; i < kBatchEvents; ++i) {
    if (!ndjson && i > 0) body += ',';
    body += MakeEvent(i);
    if (ndjson) body += '\n';
  }
  if (!ndjson) body += ']';
  return body;
}

void DecodeBatchBench(benchmark::State& state, bool ndjson) {
  std::string body = MakeBatch(ndjson);
  EventDecoder decoder;
  IdGenerator ids(42);
  const DecodeContext ctx{"app_1", kNowMs, &ids};
  EncodedBatch out;
  std::vector<Rejection> rejected;
  size_t total = 0;
  for (auto _ : state) {
    out.clear();
    rejected.clear();
    Status status = decoder.DecodeBatch(body, ndjson, ctx, &out, &rejected, &total);
    if (!status.ok() || out.size() != kBatchEvents) {
      state.SkipWithError(status.ok() ? "events were rejected" : status.ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(out.bytes.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(body.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kBatchEvents);
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_DecodeBatchJsonArray(benchmark::State& state) { DecodeBatchBench(state, false); }
BENCHMARK(BM_DecodeBatchJsonArray);

void BM_DecodeBatchNdjson(benchmark::State& state) { DecodeBatchBench(state, true); }
BENCHMARK(BM_DecodeBatchNdjson);

void BM_DecodeOne(benchmark::State& state) {
  std::vector<std::string> bodies;
  size_t bytes = 0;
  for (int i = 0; i < 64; ++i) {
    bodies.push_back(MakeEvent(i));
    bytes += bodies.back().size();
  }
  EventDecoder decoder;
  IdGenerator ids(42);
  const DecodeContext ctx{"app_1", kNowMs, &ids};
  EncodedBatch out;
  std::string event_id;
  for (auto _ : state) {
    out.clear();
    for (std::string& body : bodies) {
      Status status = decoder.DecodeOne(body, ctx, &out, &event_id);
      if (!status.ok()) {
        state.SkipWithError(status.ToString().c_str());
        return;
      }
    }
    benchmark::DoNotOptimize(out.bytes.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * bodies.size()));
}
BENCHMARK(BM_DecodeOne);

}  // namespace
}  // namespace unmogrowp
