#include "cli/commands.hpp"

namespace kforge::cli {
void registerCerts(CLI::App& app, GlobalOptions& g) {}
}  // namespace kforge::cli
