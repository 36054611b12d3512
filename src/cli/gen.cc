#include "cli/gen.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <ostream>
#include <vector>

#include "cli/civil_time.h"
#include "cli/gen_catalog.h"
#include "cli/gen_model.h"
#include "cli/gen_render.h"

namespace unmogrowp {

namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kYear2000Ms = 946'684'800'000;
constexpr size_t kFlushBytes = 1 << 20;
constexpr uint64_t kProgressEvery = 1'000'000;

Status Validate(const GenOptions& o) {
  if (o.devices < 1 || o.devices > 100'000'000) {
    return Status::InvalidArgument("devices", "must be in 1..100000000");
  }
  if (o.days < 1 || o.days > 3650) return Status::InvalidArgument("days", "must be in 1..3650");
  if (o.end_ms - o.days * kDayMs < kYear2000Ms) {
    return Status::InvalidArgument("end", "the covered days must start on or after 2000-01-01");
  }
  if (o.sources < 1 || o.sources > 255) {
    return Status::InvalidArgument("sources", "must be in 1..255");
  }
  if (!(o.duplicates >= 0 && o.duplicates <= 1)) {
    return Status::InvalidArgument("duplicates", "must be a fraction in [0, 1]");
  }
  if (o.app_id.size() > 128) return Status::InvalidArgument("app_id", "at most 128 bytes");
  if (o.max_buffered_events < 1) {
    return Status::InvalidArgument("max_buffered_events", "must be positive");
  }
  return Status::OK();
}

// Streams rendered lines to `out` in large writes and reports progress.
class GenWriter {
 public:
  GenWriter(const EventRenderer* renderer, std::ostream* out, std::ostream* progress,
            uint64_t total, int64_t start_ns)
      : renderer_(renderer),
        out_(out),
        progress_(total > kProgressEvery ? progress : nullptr),
        total_(total),
        buffer_(new char[kFlushBytes + EventRenderer::kMaxLineBytes]),
        start_ns_(start_ns) {}

  Status Write(const GenEvent& event) {
    used_ = static_cast<size_t>(renderer_->Render(event, buffer_.get() + used_) - buffer_.get());
    ++events_;
    if (used_ >= kFlushBytes) UM_RETURN_IF_ERROR(Flush());
    if (progress_ != nullptr && events_ % kProgressEvery == 0) {
      fmt::print(*progress_, "gen: {:.1f}M of {:.1f}M events, {:.2f}M events/s\n", events_ / 1e6,
                 total_ / 1e6, events_ / 1e6 / ElapsedSeconds());
      progress_->flush();
    }
    return Status::OK();
  }

  Status Flush() {
    bytes_ += used_;
    out_->write(buffer_.get(), static_cast<std::streamsize>(used_));
    used_ = 0;
    if (!out_->good()) return Status::IOError("gen: writing the output failed");
    return Status::OK();
  }

  double ElapsedSeconds() const {
    return std::max(1e-9, (SystemClock::Instance().MonotonicNs() - start_ns_) / 1e9);
  }
  uint64_t events() const { return events_; }
  uint64_t bytes() const { return bytes_; }

 private:
  const EventRenderer* renderer_;
  std::ostream* out_;
  std::ostream* progress_;
  uint64_t total_;
  std::unique_ptr<char[]> buffer_;
  size_t used_ = 0;
  uint64_t events_ = 0;
  uint64_t bytes_ = 0;
  int64_t start_ns_;
};

// Events grouped by stretches of output time (about 1000 buckets over the
// covered days): appending to a bucket is sequential, and sorting one
// bucket at a time stays in cache. A bucket can be told to drop what it is
// given (it still counts), for windows that do not fit the memory budget.
class TimeBuckets {
 public:
  TimeBuckets(int64_t start_ms, int64_t end_ms)
      : start_ms_(start_ms),
        width_ms_(std::max<int64_t>(kMinuteMs, (end_ms - start_ms + 1023) / 1024)),
        counts_(static_cast<size_t>((end_ms - start_ms + width_ms_ - 1) / width_ms_), 0),
        events_(counts_.size()) {}

  size_t size() const { return counts_.size(); }
  size_t BucketOf(const GenEvent& e) const {
    return static_cast<size_t>((e.emit_ms - start_ms_) / width_ms_);
  }
  uint64_t count(size_t bucket) const { return counts_[bucket]; }

  void Count(const GenEvent& e) { ++counts_[BucketOf(e)]; }
  void Keep(size_t bucket, const GenEvent& e) { events_[bucket].push_back(e); }
  void Reserve(size_t bucket) { events_[bucket].reserve(counts_[bucket]); }
  void Release(size_t bucket) { std::vector<GenEvent>().swap(events_[bucket]); }

  const std::vector<GenEvent>& Sorted(size_t bucket) {
    std::sort(events_[bucket].begin(), events_[bucket].end(), GenEventBefore);
    return events_[bucket];
  }

 private:
  int64_t start_ms_;
  int64_t width_ms_;
  std::vector<uint64_t> counts_;
  std::vector<std::vector<GenEvent>> events_;
};

}  // namespace

Status GenerateEvents(const GenOptions& options, std::ostream& out) {
  UM_RETURN_IF_ERROR(Validate(options));
  const int64_t start_ms = options.end_ms - options.days * kDayMs;
  const auto devices = static_cast<uint32_t>(options.devices);
  const auto budget = static_cast<size_t>(options.max_buffered_events);
  const int64_t start_ns = SystemClock::Instance().MonotonicNs();
  GenCatalog catalog(options.sources);
  TimelineModel model(&catalog, options.seed, start_ms, options.end_ms, options.duplicates);
  EventRenderer renderer(&catalog, &model, options.app_id);

  // Pass 1: count events per bucket, keeping them while they fit the budget
  // (then there is no second pass).
  TimeBuckets buckets(start_ms, options.end_ms);
  std::vector<GenEvent> scratch;
  uint64_t total = 0;
  bool kept_all = true;
  for (uint32_t d = 0; d < devices; ++d) {
    scratch.clear();
    model.Generate(d, &scratch);
    total += scratch.size();
    if (kept_all && total > budget) {
      kept_all = false;
      for (size_t b = 0; b < buckets.size(); ++b) buckets.Release(b);
    }
    for (const GenEvent& e : scratch) {
      buckets.Count(e);
      if (kept_all) buckets.Keep(buckets.BucketOf(e), e);
    }
  }

  GenWriter writer(&renderer, &out, options.progress, total, start_ns);
  // Windows of whole buckets holding at most `budget` events (a busier
  // bucket is a window of its own), each rebuilt from the devices.
  size_t first = 0;
  while (first < buckets.size()) {
    size_t last = first;
    uint64_t count = 0;
    while (last < buckets.size() && (last == first || count + buckets.count(last) <= budget)) {
      count += buckets.count(last++);
    }
    if (!kept_all) {
      for (size_t b = first; b < last; ++b) buckets.Reserve(b);
      for (uint32_t d = 0; d < devices; ++d) {
        scratch.clear();
        model.Generate(d, &scratch);
        for (const GenEvent& e : scratch) {
          size_t b = buckets.BucketOf(e);
          if (b >= first && b < last) buckets.Keep(b, e);
        }
      }
    }
    for (size_t b = first; b < last; ++b) {
      for (const GenEvent& e : buckets.Sorted(b)) UM_RETURN_IF_ERROR(writer.Write(e));
      buckets.Release(b);
    }
    first = last;
  }
  UM_RETURN_IF_ERROR(writer.Flush());
  out.flush();
  if (!out.good()) return Status::IOError("gen: flushing the output failed");
  if (options.progress != nullptr) {
    double seconds = writer.ElapsedSeconds();
    fmt::print(*options.progress,
               "gen: wrote {} events ({:.1f} MB, {:.0f} bytes/event) in {:.2f}s, {:.2f}M "
               "events/s\n",
               writer.events(), writer.bytes() / 1e6,
               writer.events() ? static_cast<double>(writer.bytes()) / writer.events() : 0.0,
               seconds, writer.events() / 1e6 / seconds);
  }
  return Status::OK();
}

Result<int64_t> GenEventsEnd(std::string_view text, const Clock& clock) {
  if (text == "now") return clock.NowMs();
  auto digits = [&](size_t pos, size_t n, int* value) {
    *value = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      *value = *value * 10 + (text[i] - '0');
    }
    return true;
  };
  int y, m, d;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(0, 4, &y) ||
      !digits(5, 2, &m) || !digits(8, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31) {
    return Status::InvalidArgument("end", "expected YYYY-MM-DD or 'now'");
  }
  int64_t days = DaysFromCivil(y, m, d);
  CivilDate check = CivilFromDays(days);
  if (check.month != m || check.day != d) {
    return Status::InvalidArgument("end", "no such date");
  }
  return days * kDayMs;
}

}  // namespace unmogrowp
