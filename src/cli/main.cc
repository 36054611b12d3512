// unmogrowp: the one binary. `serve` runs the server, `gen` writes synthetic
// events, `load` drives a server with them, `log` inspects the event log,
// `kafka-mock` runs a mock Kafka cluster for development and tests.

#include <malloc.h>

#include <CLI/CLI.hpp>

#include "cli/gen.h"
#include "cli/kafka_mock_command.h"
#include "cli/load.h"
#include "cli/log_command.h"
#include "cli/serve_command.h"

int main(int argc, char** argv) {
  // The state store's memtables allocate and free 4 MiB arena blocks all the
  // time; served by mmap, every new block page-faults page by page (a fifth
  // of the pipeline's time in profiles). Keep such blocks in the heap and
  // keep freed heap memory for reuse.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  CLI::App app{"UnMoGrowP: self-hostable mobile attribution and growth analytics"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "unmogrowp 0.1.0");
  unmogrowp::AddServeCommand(app);
  unmogrowp::AddGenCommand(app);
  unmogrowp::AddLoadCommand(app);
  unmogrowp::AddLogCommand(app);
  unmogrowp::AddKafkaMockCommand(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
