#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/load.h"

namespace unmogrowp {

namespace {

// The command line's values, shared by the option bindings and the callback.
struct LoadFlags {
  LoadOptions options;
  std::string mode = "batch";
  bool json = false;
  bool repeat = false;
};

// Runs the command: summary on stdout (text or --json), progress on stderr.
// Exit code 1 when the run could not start or nothing was acknowledged.
void RunLoadCommand(const LoadFlags& flags, bool repeat_given) {
  LoadOptions options = flags.options;
  options.mode = flags.mode == "single" ? LoadMode::kSingle : LoadMode::kBatch;
  if (repeat_given) options.repeat = flags.repeat;
  options.progress = &std::cerr;
  Result<LoadReport> report = RunLoad(options);
  if (!report.ok()) {
    fmt::print(stderr, "load: {}\n", report.status().ToString());
    throw CLI::RuntimeError(1);
  }
  if (flags.json) {
    fmt::print("{}\n", LoadReportJson(*report));
  } else {
    fmt::print("{}", FormatLoadReport(*report));
  }
  std::fflush(stdout);
  if (report->acknowledged == 0) {
    fmt::print(stderr, "load: no event was acknowledged\n");
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void AddLoadCommand(CLI::App& app) {
  auto flags = std::make_shared<LoadFlags>();
  CLI::App* cmd = app.add_subcommand(
      "load", "Send events from an NDJSON file to a server and measure throughput and latency");
  LoadOptions& o = flags->options;
  cmd->add_option("--url", o.url, "Server base URL (this machine only)")->capture_default_str();
  cmd->add_option("--api-key", o.api_key, "App API key, sent as X-Api-Key")->required();
  cmd->add_option("--path", o.path,
                  "POST to this path (and query) instead of /v1/events or /v1/events/batch; for "
                  "driving another server's bulk endpoint in comparative benchmarks");
  cmd->add_option("--input", o.input, "NDJSON events, one per line (`unmogrowp gen` output)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--mode", flags->mode,
                  "single: one event per POST /v1/events; batch: --batch-size lines per POST "
                  "/v1/events/batch (NDJSON)")
      ->check(CLI::IsMember({"single", "batch"}))
      ->capture_default_str();
  cmd->add_option("--batch-size", o.batch_size, "Events per batch request")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--connections", o.connections, "Keep-alive connections in total")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--duration", o.duration_s,
                  "Seconds to run; 0 = until every input line was sent once")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--rate", o.rate,
                  "Events/s in total, paced open-loop (latency from the intended send time); 0 = "
                  "as fast as possible")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--repeat,!--no-repeat", flags->repeat,
                "Loop over the input (default: on when --duration > 0). Repeated lines keep "
                "their event_id: the server counts them once");
  cmd->add_option("--ack-file", o.ack_file,
                  "Append the event_id of every acknowledged event, one per line, as answers "
                  "arrive");
  cmd->add_option("--max-events", o.max_events, "Stop after sending this many events; 0 = no limit")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", o.threads, "Event-loop threads sharing the connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--timeout", o.request_timeout_s,
                  "Seconds to wait for an answer before reconnecting and resending")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", flags->json, "Print the summary as one JSON object");
  cmd->callback([flags, cmd]() { RunLoadCommand(*flags, cmd->count("--repeat") > 0); });
}

}  // namespace unmogrowp
