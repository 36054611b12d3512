#pragma once

// SegmentIndex: the ordered base offsets of a log directory's segment files
// and the log's durable end offset -- what a reader needs to find the file
// that holds an offset and to know where durable data stops
// (docs/formats/event-log.md). Also the segment file naming rule.
//
// Thread-safety: one writer (the log's writer thread) adds segments and
// advances the durable end; one redaction at a time drops leading segments;
// any number of readers look up concurrently. A segment is added before any
// record in it becomes durable, so a reader that sees a durable end also sees
// the segment holding it.

#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace unmogrowp {

// "<dir>/<base offset, 20 digits>.log".
std::string SegmentFileName(const std::string& dir, uint64_t base_offset);
// The base offset named by a segment file name (no directory), or nullopt if
// `name` is not a segment file.
std::optional<uint64_t> ParseSegmentFileName(const std::string& name);

class SegmentIndex {
 public:
  // A segment holds offsets [base, end); `end` is kOpenEnd for the last one.
  static constexpr uint64_t kOpenEnd = std::numeric_limits<uint64_t>::max();
  struct Span {
    uint64_t base = 0;
    uint64_t end = kOpenEnd;
  };

  // `bases` sorted ascending and non-empty.
  SegmentIndex(std::string dir, std::vector<uint64_t> bases, uint64_t durable_end);

  const std::string& dir() const { return dir_; }

  uint64_t durable_end() const { return durable_end_.load(std::memory_order_acquire); }
  void SetDurableEnd(uint64_t offset) { durable_end_.store(offset, std::memory_order_release); }

  // Adds a new last segment starting at `base` (> every existing base).
  void AddSegment(uint64_t base);
  // Bumped by AddSegment: a reader holding an open-ended span re-looks it up
  // when this changes.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Removes the first segment, which must start at `base` and not be the
  // last one (docs/formats/event-log.md, "Redaction and dropped segments").
  void DropFirstSegment(uint64_t base);
  // Base of the first segment: offsets below it were dropped, or never existed.
  uint64_t first_base() const;

  // The segment holding `offset`: the one with the greatest base <= offset.
  // nullopt if `offset` is below the first segment.
  std::optional<Span> Find(uint64_t offset) const;

  std::vector<uint64_t> bases() const;

 private:
  const std::string dir_;
  mutable std::mutex mu_;
  std::vector<uint64_t> bases_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> durable_end_;
};

}  // namespace unmogrowp
