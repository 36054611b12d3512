#pragma once

// Named loggers, one per module (Seastar style): Log("log").info("...{}", x).
// Operators watch metrics, not logs: log state changes and failures, never
// per-request events.

#include <spdlog/spdlog.h>

#include <string>

namespace unmogrowp {

// Returns the module's logger, creating it (stderr, shared format) on first use.
spdlog::logger& Log(const std::string& module);

// Sets the level of every logger: "debug", "info", "warn", "error", "off".
void SetLogLevel(const std::string& level);

}  // namespace unmogrowp
