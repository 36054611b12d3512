#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/gen.h"

namespace unmogrowp {

namespace {

// The command line's values, shared by the option bindings and the callback.
struct GenFlags {
  GenOptions options;
  std::string end = "now";
  std::string out;
};

// Runs the command; a failure is reported on stderr and becomes exit code 1.
void RunGen(const GenFlags& flags) {
  GenOptions options = flags.options;
  Result<int64_t> end = GenEventsEnd(flags.end, SystemClock::Instance());
  if (!end.ok()) {
    fmt::print(stderr, "gen: --end: {}\n", end.status().message());
    throw CLI::RuntimeError(1);
  }
  options.end_ms = *end;
  options.progress = &std::cerr;
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!flags.out.empty() && flags.out != "-") {
    file.open(flags.out, std::ios::binary | std::ios::trunc);
    if (!file) {
      fmt::print(stderr, "gen: cannot open {} for writing\n", flags.out);
      throw CLI::RuntimeError(1);
    }
    out = &file;
  } else {
    std::ios::sync_with_stdio(false);
  }
  Status status = GenerateEvents(options, *out);
  if (!status.ok()) {
    fmt::print(stderr, "gen: {}\n", status.ToString());
    throw CLI::RuntimeError(1);
  }
}

}  // namespace

void AddGenCommand(CLI::App& app) {
  auto flags = std::make_shared<GenFlags>();
  CLI::App* cmd = app.add_subcommand(
      "gen", "Write seeded synthetic events (NDJSON, time order) for load tests and demos");
  GenOptions& o = flags->options;
  cmd->add_option("--seed", o.seed, "Random seed; the same seed gives the same bytes")
      ->capture_default_str();
  cmd->add_option("--devices", o.devices, "Simulated devices (most never install)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  cmd->add_option("--days", o.days, "Days of data, ending just before --end")
      ->capture_default_str()
      ->check(CLI::Range(1, 3650));
  cmd->add_option("--end", flags->end,
                  "End of the data (exclusive): 'now' or YYYY-MM-DD (00:00 UTC); nothing is "
                  "generated at or after it")
      ->capture_default_str();
  cmd->add_option("--app-id", o.app_id, "When given, every event carries this app_id")
      ->capture_default_str();
  cmd->add_option("--sources", o.sources, "Ad networks (12 named ones, then network_N)")
      ->capture_default_str()
      ->check(CLI::Range(1, 255));
  cmd->add_option("--duplicates", o.duplicates,
                  "Fraction of events re-emitted later with the same event_id")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--out", flags->out, "Output file (default: stdout)")->capture_default_str();
  cmd->callback([flags]() { RunGen(*flags); });
}

}  // namespace unmogrowp
