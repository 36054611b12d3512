#include "cli/demo_data.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <vector>

#include "api/service.h"
#include "cli/gen.h"
#include "core/clock.h"
#include "event/decoder.h"
#include "log/event_log.h"
#include "meta/app_store.h"
#include "pipeline/pipeline.h"

namespace unmogrowp {

namespace {

// Appends waiting for their fdatasync at once: enough to overlap generating
// and decoding the next batch with the sync of the last, few enough to stay
// far below the log's pending-bytes limit.
constexpr int kMaxInFlight = 2;

// The NDJSON `unmogrowp gen` writes into it, cut into batches of whole lines,
// each decoded as POST /v1/events/batch decodes an NDJSON body and appended
// to the log. A failure makes the writes fail (GenerateEvents stops) and is
// kept for Finish(). Not thread-safe, except for the log's callbacks.
class IngestSink final : public std::streambuf {
 public:
  IngestSink(Service& service, std::string app_id, size_t batch_events)
      : service_(service), app_id_(std::move(app_id)), batch_events_(batch_events) {}
  IngestSink(const IngestSink&) = delete;
  IngestSink& operator=(const IngestSink&) = delete;
  ~IngestSink() override { WaitForAppends(0); }

  // Sends the rest (a last line without '\n' too) and waits for every
  // append; the first error, if any.
  Status Finish() {
    if (status_.ok() && !buffer_.empty()) status_ = Send(std::move(buffer_));
    buffer_.clear();
    WaitForAppends(0);
    std::lock_guard lock(mu_);
    return status_.ok() ? append_status_ : status_;
  }

  uint64_t events() const { return events_; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (!status_.ok()) return 0;
    std::string_view added(s, static_cast<size_t>(n));
    buffer_.append(added);
    lines_ += static_cast<size_t>(std::count(added.begin(), added.end(), '\n'));
    while (lines_ >= batch_events_) {
      size_t end = 0;
      for (size_t i = 0; i < batch_events_; ++i) end = buffer_.find('\n', end) + 1;
      status_ = Send(buffer_.substr(0, end));
      if (!status_.ok()) return 0;
      buffer_.erase(0, end);
      lines_ -= batch_events_;
    }
    return n;
  }

  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    char ch = traits_type::to_char_type(c);
    return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
  }

 private:
  Status Send(std::string lines) {
    EncodedBatch batch;
    std::vector<Rejection> rejected;
    size_t total = 0;
    DecodeContext ctx{app_id_, service_.clock().NowMs(), nullptr};
    UM_RETURN_IF_ERROR(
        decoder_.DecodeBatch(lines, /*ndjson=*/true, ctx, &batch, &rejected, &total));
    if (!rejected.empty()) {
      const Rejection& r = rejected.front();
      return Status::Internal(fmt::format("a generated event was rejected ({}, field {}): {}",
                                          r.code, r.field, r.message));
    }
    if (batch.empty()) return Status::OK();
    events_ += batch.size();
    WaitForAppends(kMaxInFlight - 1);
    {
      std::lock_guard lock(mu_);
      UM_RETURN_IF_ERROR(append_status_);
      ++in_flight_;
    }
    Pipeline* pipeline = &service_.pipeline();
    service_.event_log().Append(std::move(batch), [this, pipeline](const Status& status, uint64_t) {
      if (status.ok()) pipeline->Notify();
      std::lock_guard lock(mu_);
      if (!status.ok() && append_status_.ok()) append_status_ = status;
      --in_flight_;
      appended_.notify_all();
    });
    return Status::OK();
  }

  void WaitForAppends(int at_most) {
    std::unique_lock lock(mu_);
    appended_.wait(lock, [&] { return in_flight_ <= at_most; });
  }

  Service& service_;
  const std::string app_id_;
  const size_t batch_events_;
  EventDecoder decoder_;
  std::string buffer_;  // generated text not sent yet
  size_t lines_ = 0;    // complete lines in buffer_
  uint64_t events_ = 0;
  Status status_;  // the first error of a write

  std::mutex mu_;
  std::condition_variable appended_;
  int in_flight_ = 0;     // guarded by mu_
  Status append_status_;  // guarded by mu_: the first failed append
};

// Generates the events of `app_id` and appends them; the number appended.
Result<uint64_t> FillDemoApp(Service& service, const DemoOptions& options,
                             const std::string& app_id) {
  GenOptions gen;
  gen.seed = options.seed;
  gen.devices = options.devices;
  gen.days = options.days;
  gen.end_ms = service.clock().NowMs();
  gen.app_id = app_id;
  gen.duplicates = options.duplicates;
  IngestSink sink(service, app_id, options.batch_events);
  std::ostream out(&sink);
  Status generated = GenerateEvents(gen, out);
  Status sent = sink.Finish();
  // A failed send fails the generator's writes too; the send error says why.
  UM_RETURN_IF_ERROR(sent);
  UM_RETURN_IF_ERROR(generated);
  if (!service.WaitForPipeline(options.pipeline_timeout)) {
    return Status::Unavailable(fmt::format(
        "the pipeline has not processed the {} demo events within {} s; they will show up later",
        sink.events(),
        std::chrono::duration_cast<std::chrono::seconds>(options.pipeline_timeout).count()));
  }
  return sink.events();
}

}  // namespace

Result<DemoResult> CreateDemoApp(Service& service, const DemoOptions& options) {
  if (options.batch_events < 1 || options.batch_events > 10'000) {
    return Status::InvalidArgument("batch_events", "must be in 1..10000");
  }
  DemoResult result;
  UM_ASSIGN_OR_RETURN(std::vector<App> apps, service.apps().List());
  for (const App& app : apps) {
    if (app.demo) {
      result.app_id = app.id;
      return result;
    }
  }
  UM_ASSIGN_OR_RETURN(CreatedApp created,
                      service.apps().Create("Demo app", "android", AppSettings{}, /*demo=*/true));
  result.created = true;
  result.app_id = created.app.id;

  const int64_t start_ns = service.clock().MonotonicNs();
  if (options.progress != nullptr) {
    fmt::print(*options.progress, "Creating the demo app: {} days of generated events... ",
               options.days);
    options.progress->flush();
  }
  Result<uint64_t> events = FillDemoApp(service, options, result.app_id);
  if (options.progress != nullptr) {
    if (events.ok()) {
      fmt::print(*options.progress, "{} events, done in {:.1f} s\n", *events,
                 static_cast<double>(service.clock().MonotonicNs() - start_ns) / 1e9);
    } else {
      fmt::print(*options.progress, "failed\n");
    }
    options.progress->flush();
  }
  UM_RETURN_IF_ERROR(events.status());
  result.events = *events;
  return result;
}

}  // namespace unmogrowp
