#pragma once

// EventRenderer: turns GenEvents into NDJSON lines of the API's event object
// (API.md). Field values come from the catalog and from per-device and
// per-event hashes of the seed, so a duplicate renders byte-identical to its
// original. Immutable after construction; safe to share between threads.

#include <cstddef>
#include <string>
#include <string_view>

#include "cli/gen_catalog.h"
#include "cli/gen_model.h"

namespace unmogrowp {

class EventRenderer {
 public:
  // An upper bound on one rendered line, newline included.
  static constexpr size_t kMaxLineBytes = 4096;

  // `app_id` (at most 128 bytes), when not empty, goes into every event.
  EventRenderer(const GenCatalog* catalog, const TimelineModel* model, std::string_view app_id);

  // Writes one line ending in '\n' at `out` (kMaxLineBytes available) and
  // returns the end of what it wrote.
  char* Render(const GenEvent& event, char* out) const;

 private:
  const GenCatalog* catalog_;
  const TimelineModel* model_;
  std::string app_id_member_;  // `"app_id":"...",` or empty
};

}  // namespace unmogrowp
