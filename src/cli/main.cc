// unmogrowp: the one binary. `serve` runs the server, `gen` writes synthetic
// events, `load` drives a server with them, `log` inspects the event log.

#include <CLI/CLI.hpp>

#include "cli/gen.h"
#include "cli/load.h"
#include "cli/log_command.h"
#include "cli/serve_command.h"

int main(int argc, char** argv) {
  CLI::App app{"UnMoGrowP: self-hostable mobile attribution and growth analytics"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "unmogrowp 0.1.0");
  unmogrowp::AddServeCommand(app);
  unmogrowp::AddGenCommand(app);
  unmogrowp::AddLoadCommand(app);
  unmogrowp::AddLogCommand(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
