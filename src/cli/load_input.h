#pragma once

// LoadInput: the load generator's events, an NDJSON file mapped read-only
// into memory with an index of its non-blank lines. Request bodies are
// slices of the mapping (a batch is a run of consecutive lines, sent as they
// are in the file), so nothing is copied or formatted during the timed run.
// Immutable after Open; safe to share between threads. Move-only.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace unmogrowp {

class LoadInput {
 public:
  // Maps `path` and indexes its lines. InvalidArgument (field "input") when
  // it cannot be read or holds no event.
  static Result<LoadInput> Open(const std::string& path);

  LoadInput(LoadInput&& other) noexcept;
  LoadInput& operator=(LoadInput&& other) noexcept;
  LoadInput(const LoadInput&) = delete;
  LoadInput& operator=(const LoadInput&) = delete;
  ~LoadInput();

  // Non-blank lines (events).
  size_t size() const { return starts_.size(); }
  // Line i without its line break.
  std::string_view line(size_t i) const {
    return std::string_view(data_ + starts_[i], lengths_[i]);
  }
  // The bytes of lines [first, first + count): blank lines between them
  // included, no trailing line break. count >= 1.
  std::string_view lines(size_t first, size_t count) const {
    const size_t last = first + count - 1;
    return std::string_view(data_ + starts_[first],
                            starts_[last] + lengths_[last] - starts_[first]);
  }
  // The line's top-level "event_id" value; empty when it has none.
  std::string_view event_id(size_t i) const;

 private:
  LoadInput() = default;

  const char* data_ = nullptr;
  size_t mapped_bytes_ = 0;
  std::vector<uint64_t> starts_;
  std::vector<uint32_t> lengths_;
};

}  // namespace unmogrowp
