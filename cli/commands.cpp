#include "cli/commands.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace kforge::cli {

void runGuarded(GlobalOptions& g, const std::function<int()>& body) {
  try {
    g.exitCode = body();
  } catch (const kforge::Error& e) {
    g.exitCode = static_cast<int>(e.code());
    if (g.json())
      std::cout << nlohmann::json{{"error", e.what()}, {"exitCode", g.exitCode}}.dump(2) << "\n";
    else
      std::cerr << "error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    g.exitCode = static_cast<int>(ExitCode::Failure);
    if (g.json())
      std::cout << nlohmann::json{{"error", e.what()}, {"exitCode", g.exitCode}}.dump(2) << "\n";
    else
      std::cerr << "error: " << e.what() << "\n";
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
  registerReset(app, g);
  registerEtcd(app, g);
  registerBackup(app, g);
  registerRestore(app, g);
}

}  // namespace kforge::cli
