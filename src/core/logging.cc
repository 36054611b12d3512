#include "core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace unmogrowp {

namespace {
std::mutex& LoggersMutex() {
  static std::mutex mu;
  return mu;
}
}  // namespace

spdlog::logger& Log(const std::string& module) {
  std::lock_guard<std::mutex> lock(LoggersMutex());
  std::shared_ptr<spdlog::logger> logger = spdlog::get(module);
  if (!logger) {
    logger = spdlog::stderr_color_mt(module);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ [%n] %v", spdlog::pattern_time_type::utc);
  }
  return *logger;
}

void SetLogLevel(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

}  // namespace unmogrowp
