// Pipeline throughput without HTTP or the log: decodes an NDJSON file of
// `unmogrowp gen` events once, then times EventProcessor::Apply/Commit over
// them (batches of 4096, as the pipeline commits) into a fresh state store.
//
//   pipeline_throughput <events.ndjson> <empty-dir> [repeat]
//
// Prints events/s; with repeat > 1 the later passes are all duplicates.

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "event/decoder.h"
#include "pipeline/event_processor.h"
#include "store/state_store.h"

using namespace unmogrowp;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <events.ndjson> <empty-dir> [repeat]\n", argv[0]);
    return 2;
  }
  int repeat = argc > 3 ? std::atoi(argv[3]) : 1;
  // As `unmogrowp` does (cli/main.cc): memtable arenas from the heap.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::ifstream in(argv[1]);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string body = buffer.str();
  EventDecoder decoder(DecoderOptions{.max_events = size_t{1} << 30, .max_depth = 64});
  IdGenerator ids(1);
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  DecodeContext ctx{"app_bench", now_ms, &ids};
  EncodedBatch batch;
  std::vector<Rejection> rejected;
  size_t total = 0;
  Status decoded = decoder.DecodeBatch(body, /*ndjson=*/true, ctx, &batch, &rejected, &total);
  if (!decoded.ok() || batch.empty()) {
    std::fprintf(stderr, "decode failed: %s\n", decoded.ToString().c_str());
    return 1;
  }
  auto store = store::StateStore::Open({.dir = argv[2]});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  EventProcessor processor(store->get(),
                           [](std::string_view) -> Result<AppSettings> { return AppSettings(); });
  uint64_t offset = 0;
  for (int pass = 0; pass < repeat; ++pass) {
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < batch.size(); ++i) {
      Status s = processor.Apply(batch.at(i), offset);
      offset += batch.at(i).size() + 8;
      if (s.ok() && processor.pending_events() >= 4096) s = processor.Commit(offset);
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return 1;
      }
    }
    Status s = processor.Commit(offset);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("pass %d: %zu events in %.2f s: %.0f events/s (%zu rejected by the decoder)\n",
                pass + 1, batch.size(), seconds, static_cast<double>(batch.size()) / seconds,
                rejected.size());
    if (!s.ok()) return 1;
  }
  return 0;
}
