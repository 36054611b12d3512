#pragma once

// `unmogrowp log dump`: prints every durable event of an event log as NDJSON
// (one object per line with its log offset), read-only. For operators and for
// the crash test, which checks acknowledged event ids against it.

#include <CLI/CLI.hpp>

namespace unmogrowp {

void AddLogCommand(CLI::App& app);

}  // namespace unmogrowp
