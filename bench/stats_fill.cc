// Fills a state store's daily-stats rows with N synthetic events, for the
// stats report benchmark (bench/stats_bench.sh), without HTTP, the log or
// the rest of the pipeline: each event goes through the same rollup code the
// pipeline uses (analytics::RollupBatch::AddEventStats with the delta
// EventProcessor::CountEvent builds), flushed into the StateStore with Commit
// every --flush events. The server is not running while this writes.
//
//   stats_fill --state-dir DIR --app APP_ID --events N [--days 90]
//              [--end-day YYYY-MM-DD] [--devices 2000000] [--seed 1]
//              [--flush 100000] [--threads 2]
//   stats_fill --print-sql --app APP_ID --events N [the same options]
//
// Threads split the days between them (a row belongs to one day, so no two
// threads touch the same row).
//
// Event i of N is a pure function of (i, N, days, end day, devices, seed),
// written so that ClickHouse can compute the same events from numbers(N)
// with the SQL that `stats_fill --print-sql` prints (Mix64 below is
// ClickHouse's intHash64):
//   k      = i + seed * 2^40
//   h1     = Mix64(k), h2 = Mix64(h1)
//   day    = end_day - days + 1 + floor(i * days / N)   (events in day order)
//   ts_ms  = day * 86400000 + h1 % 86400000
//   type   = by (h1 >> 32) % 100: click <40, impression <55, session <70,
//            install <75, level_up <83, registration <87, purchase <93,
//            ad_view <100
//   device = h2 % devices, device_id "dev-<device>"
//   first install: type install and (h2 >> 32) % 10 < 7
//   revenue: purchase -> ((h2 >> 40) % 10000 + 99) / 100, else 0
//   channel of the device, c = Mix64(device) % 1000: c < 300 organic, else
//            source "src_<c % 20>", campaign "cmp_<c % 100>"
// Prints progress (events/s) on stderr and a one-line JSON summary on stdout.

#include <malloc.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "analytics/rollup_batch.h"
#include "event/timestamp.h"
#include "store/keys.h"
#include "store/state_store.h"

using namespace unmogrowp;

namespace {

constexpr int64_t kMsPerDay = 86'400'000;

// ClickHouse's intHash64: MurmurHash3's 64-bit finalizer of x xor a constant
// (checked against clickhouse-server 18.16 by stats_bench.sh).
uint64_t Mix64(uint64_t x) {
  x ^= 0x4cf2d2baae6da887ULL;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

struct EventType {
  uint64_t below;  // bucket (h1 >> 32) % 100 under this
  std::string_view name;
};
constexpr EventType kEventTypes[] = {
    {40, "click"},    {55, "impression"},   {70, "session"},  {75, "install"},
    {83, "level_up"}, {87, "registration"}, {93, "purchase"}, {100, "ad_view"},
};

struct Options {
  std::string state_dir;
  std::string app_id;
  uint64_t events = 0;
  int64_t days = 90;
  int64_t end_day = -1;  // default: yesterday (UTC)
  uint64_t devices = 2'000'000;
  uint64_t seed = 1;
  uint64_t flush = 100'000;
  int threads = 2;
  bool print_sql = false;
};

bool ParseDate(const char* text, int64_t* day) {
  unsigned y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3) return false;
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return false;
  *day = DaysFromCivil(y, m, d);
  return true;
}

bool ParseUint(const char* text, uint64_t* out) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') return false;
  *out = v;
  return true;
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --state-dir DIR --app APP_ID --events N [--days 90] "
               "[--end-day YYYY-MM-DD] [--devices 2000000] [--seed 1] [--flush 100000] "
               "[--threads 2]\n"
               "       %s --print-sql --app APP_ID --events N [same options]: the ClickHouse "
               "SELECT of the same events\n",
               argv0, argv0);
  return 2;
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--print-sql") {
      o->print_sql = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    uint64_t n = 0;
    if (flag == "--state-dir") {
      o->state_dir = value;
    } else if (flag == "--app") {
      o->app_id = value;
    } else if (flag == "--end-day") {
      if (!ParseDate(value, &o->end_day)) return false;
    } else if (!ParseUint(value, &n)) {
      return false;
    } else if (flag == "--events") {
      o->events = n;
    } else if (flag == "--days") {
      o->days = static_cast<int64_t>(n);
    } else if (flag == "--devices") {
      o->devices = n;
    } else if (flag == "--seed") {
      o->seed = n;
    } else if (flag == "--flush") {
      o->flush = n;
    } else if (flag == "--threads") {
      o->threads = static_cast<int>(n);
    } else {
      return false;
    }
  }
  if (o->end_day < 0) {
    int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    o->end_day = now_ms / kMsPerDay - 1;
  }
  // i * days must not overflow; the seed must stay above every index.
  return !o->app_id.empty() && (o->print_sql || !o->state_dir.empty()) && o->events > 0 &&
         o->events < (uint64_t{1} << 40) && o->days >= 1 && o->days <= 3650 && o->devices > 0 &&
         o->seed < (uint64_t{1} << 20) && o->flush > 0 && o->threads >= 1 && o->threads <= 64;
}

// The same events as Generate, as a ClickHouse 18.16 SELECT producing the
// columns (app_id, day, ts, event_type, device_id, source, campaign, revenue,
// first_install) from numbers(N).
void PrintSql(const Options& o) {
  const int64_t first_day = o.end_day - o.days + 1;
  std::string type = "multiIf(";
  for (const EventType& t : kEventTypes) {
    if (t.below == 100) break;
    type += "t < " + std::to_string(t.below) + ", '" + std::string(t.name) + "', ";
  }
  type += "'" + std::string(kEventTypes[std::size(kEventTypes) - 1].name) + "')";
  std::printf(
      "SELECT '%s' AS app_id, toDate('1970-01-01') + toUInt32(%" PRId64
      " + intDiv(number * %" PRId64 ", %" PRIu64 ")) AS day, (%" PRId64
      " + intDiv(number * %" PRId64 ", %" PRIu64
      ")) * 86400000 + h1 %% 86400000 AS ts, "
      "%s AS event_type, concat('dev-', toString(dev)) AS device_id, "
      "if(c < 300, '(organic)', concat('src_', toString(c %% 20))) AS source, "
      "if(c < 300, '(organic)', concat('cmp_', toString(c %% 100))) AS campaign, "
      "if(event_type = 'purchase', (bitShiftRight(h2, 40) %% 10000 + 99) / 100, 0) AS revenue, "
      "toUInt8(event_type = 'install' AND bitShiftRight(h2, 32) %% 10 < 7) AS first_install "
      "FROM (SELECT number, intHash64(number + %" PRIu64
      ") AS h1, intHash64(h1) AS h2, bitShiftRight(h1, 32) %% 100 AS t, h2 %% %" PRIu64
      " AS dev, intHash64(dev) %% 1000 AS c FROM numbers(%" PRIu64 "))\n",
      o.app_id.c_str(), first_day, o.days, o.events, first_day, o.days, o.events, type.c_str(),
      o.seed << 40, o.devices, o.events);
}

// The first event index of day number `d` (0-based) of the range: the
// smallest i with floor(i * days / N) >= d.
uint64_t FirstIndexOfDay(const Options& o, int64_t d) {
  const uint64_t scaled = static_cast<uint64_t>(d) * o.events;
  const auto days = static_cast<uint64_t>(o.days);
  return (scaled + days - 1) / days;
}

// Counts events (only ever increased) and prints progress every 5 s.
class Progress {
 public:
  explicit Progress(uint64_t total) : total_(total) {}
  void Add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t done() const { return done_.load(std::memory_order_relaxed); }
  // Prints a line when 5 s have passed since the last one (or `force`).
  void Report(bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::seconds(5)) return;
    const uint64_t done = this->done();
    const double interval = std::chrono::duration<double>(now - last_).count();
    const double total = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr,
                 "stats_fill: %" PRIu64 " / %" PRIu64 " events, %.0f events/s (%.0f/s overall)\n",
                 done, total_, static_cast<double>(done - last_done_) / interval,
                 static_cast<double>(done) / total);
    last_ = now;
    last_done_ = done;
  }

 private:
  const uint64_t total_;
  std::atomic<uint64_t> done_{0};
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
  uint64_t last_done_ = 0;
};

// Adds the events of days thread, thread + threads, ... of the range. Every
// daily-stats row belongs to one day, so threads never touch the same row:
// each flushes its own RollupBatch (read-modify-write of its days' rows)
// and commits on its own.
Status GenerateDays(const Options& o, int thread, int threads, store::StateStore* state,
                    Progress* progress) {
  const int64_t first_day = o.end_day - o.days + 1;
  analytics::RollupBatch rollups;
  store::StateStore::WriteBatch batch = state->NewWriteBatch();
  std::string device_id;
  std::string source;
  std::string campaign;
  uint64_t pending = 0;
  for (int64_t d = thread; d < o.days; d += threads) {
    const uint64_t end = FirstIndexOfDay(o, d + 1);
    for (uint64_t i = FirstIndexOfDay(o, d); i < end; ++i) {
      const uint64_t h1 = Mix64(i + (o.seed << 40));
      const uint64_t h2 = Mix64(h1);
      const int64_t day = first_day + static_cast<int64_t>(i * o.days / o.events);
      const int64_t ts_ms = day * kMsPerDay + static_cast<int64_t>(h1 % kMsPerDay);
      const uint64_t t = (h1 >> 32) % 100;
      std::string_view type;
      for (const EventType& e : kEventTypes) {
        if (t < e.below) {
          type = e.name;
          break;
        }
      }
      const uint64_t device = h2 % o.devices;
      device_id = "dev-" + std::to_string(device);
      const uint64_t c = Mix64(device) % 1000;
      analytics::ChannelNames channel{analytics::kOrganicChannel, analytics::kOrganicChannel};
      if (c >= 300) {
        source = "src_" + std::to_string(c % 20);
        campaign = "cmp_" + std::to_string(c % 100);
        channel = {source, campaign};
      }
      // As EventProcessor::CountEvent builds it.
      analytics::StatsRow delta;
      delta.events = 1;
      delta.installs = type == "install" && (h2 >> 32) % 10 < 7 ? 1 : 0;
      delta.revenue = type == "purchase" ? static_cast<double>((h2 >> 40) % 10000 + 99) / 100 : 0;
      delta.devices.Add(device_id);
      rollups.AddEventStats(o.app_id, store::DayOfMs(ts_ms), type, channel, delta);
      if (++pending == o.flush || i + 1 == end) {
        UM_RETURN_IF_ERROR(rollups.Flush(*state, &batch));
        UM_RETURN_IF_ERROR(state->Commit(&batch));
        progress->Add(pending);
        pending = 0;
      }
    }
  }
  return Status::OK();
}

Status Generate(const Options& o, store::StateStore* state) {
  Progress progress(o.events);
  std::vector<Status> results(static_cast<size_t>(o.threads));
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < o.threads; ++t) {
    workers.emplace_back([&, t] {
      Status s = GenerateDays(o, t, o.threads, state, &progress);
      if (!s.ok()) failed = true;
      results[static_cast<size_t>(t)] = std::move(s);
    });
  }
  while (progress.done() < o.events && !failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    progress.Report(false);
  }
  for (std::thread& w : workers) w.join();
  progress.Report(true);
  for (const Status& s : results) UM_RETURN_IF_ERROR(s);
  return Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, &options)) return Usage(argv[0]);
  if (options.print_sql) {
    PrintSql(options);
    return 0;
  }
  // As `unmogrowp` does (cli/main.cc): memtable arenas from the heap.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  const auto start = std::chrono::steady_clock::now();
  Status status;
  {
    auto state = store::StateStore::Open({.dir = options.state_dir});
    if (!state.ok()) {
      std::fprintf(stderr, "stats_fill: %s\n", state.status().ToString().c_str());
      return 1;
    }
    status = Generate(options, state->get());
  }  // closing flushes the memtables
  if (!status.ok()) {
    std::fprintf(stderr, "stats_fill: %s\n", status.ToString().c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"events\":%" PRIu64 ",\"seconds\":%.2f,\"events_per_s\":%.0f}\n", options.events,
              seconds, static_cast<double>(options.events) / seconds);
  return 0;
}
