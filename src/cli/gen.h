#pragma once

// `unmogrowp gen`: seeded synthetic events (clicks, impressions, installs,
// opens, purchases, custom events) written as NDJSON in time order, for load
// tests, demos and end-to-end checks of attribution. The behaviour is
// described in cli/gen_model.h; the same options always produce the same
// bytes.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "core/status.h"

namespace CLI {
class App;
}

namespace unmogrowp {

// What to generate. Plain data; copy freely.
struct GenOptions {
  // Same seed, same output.
  uint64_t seed = 1;
  // Simulated devices (each sees some events; most never install). 1..100M.
  int64_t devices = 10000;
  // Days covered, ending at end_ms. 1..3650.
  int days = 7;
  // Exclusive end of the covered time, ms since epoch UTC; no event is at or
  // after it. Required (GenEventsEnd turns "now" or a date into it); the
  // covered range must start on or after 2000-01-01.
  int64_t end_ms = 0;
  // When not empty (<= 128 bytes), every event carries "app_id".
  std::string app_id;
  // Ad networks used, 1..255 (12 named ones, then network_13, ...).
  int sources = 12;
  // Fraction in [0, 1] of events re-emitted once more, shortly after the
  // original in the output, byte-identical (same event_id).
  double duplicates = 0;
  // Memory bound: events held for sorting at once (32 bytes each). Larger
  // runs take extra passes over the devices.
  int64_t max_buffered_events = 4'000'000;
  // Progress lines for large runs (> 1M events) and a final summary go here
  // when not null.
  std::ostream* progress = nullptr;
};

// Writes the events as NDJSON (one object per line) to `out`, sorted by
// emit time: by timestamp, except that a duplicate comes a little after its
// original. InvalidArgument (naming the option) for bad options, IOError
// when `out` fails.
Status GenerateEvents(const GenOptions& options, std::ostream& out);

// Resolves --end: "now" is clock.NowMs(); "YYYY-MM-DD" is 00:00 UTC of that
// date, so `--end 2025-01-08 --days 7` covers 2025-01-01 through 2025-01-07.
Result<int64_t> GenEventsEnd(std::string_view text, const Clock& clock);

// Registers `gen` on `app` (flags, help and the callback that runs it).
void AddGenCommand(CLI::App& app);

}  // namespace unmogrowp
