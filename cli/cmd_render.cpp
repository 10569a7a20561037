#include "cli/commands.hpp"

namespace kforge::cli {
void registerRender(CLI::App& app, GlobalOptions& g) {}
}  // namespace kforge::cli
