#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"

namespace kforge::cli {

void registerVersion(CLI::App& app, GlobalOptions& g) {
  auto* cmd = app.add_subcommand("version", "print kforge's version");
  cmd->callback([&g] {
    runGuarded(g, [&] {
      if (g.json())
        std::cout << nlohmann::json{{"version", KFORGE_VERSION}}.dump(2) << "\n";
      else
        std::cout << "kforge v" << KFORGE_VERSION << "\n";
      return 0;
    });
  });
}

}  // namespace kforge::cli
