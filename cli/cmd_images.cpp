#include "cli/commands.hpp"

namespace kforge::cli {
void registerImages(CLI::App& app, GlobalOptions& g) {}
}  // namespace kforge::cli
