#pragma once

// The demo app of `unmogrowp serve --demo`: so that a newcomer's first look
// at the dashboard is not an empty screen, an app named "Demo app"
// (android, default settings, App::demo set) filled with the days of events
// `unmogrowp gen` would generate for it, ending now, with a few re-sent
// duplicates. The events go through the ingest decoder and into the event
// log in-process -- the same checks and the same durable appends as
// POST /v1/events/batch, without HTTP -- and the call returns once the
// pipeline has processed them, so every report shows them.
//
// Done at most once per data dir: when any app is a demo app (even one the
// user emptied), nothing happens. Deleting the demo app and starting with
// --demo again makes a new one.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "core/result.h"

namespace unmogrowp {

class Service;

struct DemoOptions {
  // Simulated devices; `unmogrowp gen` makes about 6 events per device over
  // 90 days. The default, ~216K events, loaded in 9 s (release build, 2
  // cores busy with other work): ~1 s to generate and append, the rest the
  // pipeline, which runs at a lower CPU priority.
  int64_t devices = 35'000;
  // Days of data, ending now.
  int days = 90;
  // Fraction of events sent twice with the same event_id (as SDK retries
  // do); the pipeline counts each once.
  double duplicates = 0.01;
  // Same seed, same events (the times move with "now").
  uint64_t seed = 1;
  // Events per append to the log (one fdatasync each); at most 10,000, like
  // one batch request.
  size_t batch_events = 5000;
  // Longest wait for the pipeline to process the data.
  std::chrono::milliseconds pipeline_timeout{std::chrono::minutes(10)};
  // One progress line goes here when not null.
  std::ostream* progress = nullptr;
};

struct DemoResult {
  // False when a demo app existed already: nothing was done.
  bool created = false;
  // The demo app made, or the first one found.
  std::string app_id;
  // Events appended to the log, duplicates included.
  uint64_t events = 0;
};

// Makes and fills the demo app on the running `service` unless one exists.
// Errors: the app store's, InvalidArgument for bad options, Internal when a
// generated event fails validation, the log's append errors, and Unavailable
// when the pipeline has not caught up within pipeline_timeout (the events
// are durable by then and will show up later). The app stays after an error.
Result<DemoResult> CreateDemoApp(Service& service, const DemoOptions& options);

}  // namespace unmogrowp
