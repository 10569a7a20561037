#include "cli/commands.hpp"

namespace kforge::cli {
void registerValidate(CLI::App& app, GlobalOptions& g) {}
}  // namespace kforge::cli
