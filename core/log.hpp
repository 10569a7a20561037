// Warnings for the person running kforge: "warning: <text>" on stderr (stdout stays clean for results and
// -o json), through one spdlog logger. A warning repeated by many connections or files is printed once.
#pragma once
#include <string>

namespace kforge {

void logWarning(const std::string& message);

}  // namespace kforge
