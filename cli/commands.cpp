#include "cli/commands.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/printable.hpp"

namespace kforge::cli {

namespace {
// Error messages carry text from the inventory and the hosts: escaped and bounded before they reach the terminal
// (and valid UTF-8 for JSON). Multi-line messages keep their lines.
void reportError(const GlobalOptions& g, const char* what) {
  std::string msg = printable(what, 16000, true);
  if (g.json())
    std::cout << nlohmann::json{{"error", msg}, {"exitCode", g.exitCode}}.dump(2) << "\n";
  else
    std::cerr << "error: " << msg << "\n";
}
}  // namespace

void runGuarded(GlobalOptions& g, const std::function<int()>& body) {
  setVerbose(g.verbose);  // -v: debug lines on stderr (core/log.hpp)
  try {
    g.exitCode = body();
  } catch (const kforge::Error& e) {
    g.exitCode = static_cast<int>(e.code());
    reportError(g, e.what());
  } catch (const std::exception& e) {
    g.exitCode = static_cast<int>(ExitCode::Failure);
    reportError(g, e.what());
  }
}

void registerAll(CLI::App& app, GlobalOptions& g) {
  registerVersion(app, g);
  registerValidate(app, g);
  registerRender(app, g);
  registerCerts(app, g);
  registerImages(app, g);
  registerApply(app, g);
  registerStatus(app, g);
  registerKubeconfig(app, g);
  registerToken(app, g);
  registerReset(app, g);
  registerEtcd(app, g);
  registerBackup(app, g);
  registerRestore(app, g);
  registerUpgrade(app, g);
  registerReport(app, g);
}

}  // namespace kforge::cli
