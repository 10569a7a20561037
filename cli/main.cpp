// kforge entry point: builds the CLI11 command tree from the cli/cmd_*.cpp files and maps errors to exit codes.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"kforge: build, upgrade, back up and restore Kubernetes clusters over SSH"};
  app.require_subcommand(1);
  app.fallthrough();  // global options (-o, -v) may also follow the subcommand: kforge validate -f x -o json
  kforge::cli::GlobalOptions global;
  app.add_option("-o,--output", global.output, "output format: text | json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-v,--verbose", global.verbose, "verbose logging");
  kforge::cli::registerAll(app, global);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : static_cast<int>(kforge::ExitCode::Usage);
  }
  return global.exitCode;
}
