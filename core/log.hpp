// Messages for the person running kforge on stderr (stdout stays clean for results and -o json), through one
// spdlog logger: "warning: <text>" always, "debug: <text>" only with -v (setVerbose). A warning repeated by many
// connections or files is printed once.
#pragma once
#include <string>

namespace kforge {

void logWarning(const std::string& message);
// Debug lines (what kforge reads, which remote commands and API requests it makes): shown with -v only.
void logDebug(const std::string& message);
bool debugEnabled();  // to skip building a message nobody will see
// -v: the logger's level goes from info (warnings) to debug.
void setVerbose(bool verbose);

}  // namespace kforge
