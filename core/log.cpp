#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <set>

namespace kforge {

namespace {
spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto made = std::make_shared<spdlog::logger>("kforge", sink);
    made->set_pattern("%l: %v");
    made->flush_on(spdlog::level::trace);
    made->set_level(spdlog::level::info);
    return made;
  }();
  return *l;
}
}  // namespace

void logWarning(const std::string& message) {
  static std::mutex mu;
  static std::set<std::string> seen;
  {
    std::lock_guard lock(mu);
    if (!seen.insert(message).second) return;
  }
  logger().warn("{}", message);
}

void logDebug(const std::string& message) { logger().debug("{}", message); }

bool debugEnabled() { return logger().should_log(spdlog::level::debug); }

void setVerbose(bool verbose) { logger().set_level(verbose ? spdlog::level::debug : spdlog::level::info); }

}  // namespace kforge
