#pragma once

// `unmogrowp serve`: runs the server on the embedded default (API.md "Server
// start"): SQLite metadata, the segmented event log, and the HTTP API, all in
// --data-dir.

#include <CLI/CLI.hpp>

namespace unmogrowp {

void AddServeCommand(CLI::App& app);

}  // namespace unmogrowp
