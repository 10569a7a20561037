// The command registry. Each cli/cmd_<name>.cpp defines one register function; registerAll wires them up.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace kforge::cli {

struct GlobalOptions {
  std::string output = "text";
  bool verbose = false;
  int exitCode = 0;
  bool json() const { return output == "json"; }
};

// Runs a command body, printing kforge::Error as "error: ..." (or a JSON object with -o json) and
// storing the exit code in g.exitCode.
void runGuarded(GlobalOptions& g, const std::function<int()>& body);

void registerVersion(CLI::App& app, GlobalOptions& g);
void registerValidate(CLI::App& app, GlobalOptions& g);
void registerRender(CLI::App& app, GlobalOptions& g);
void registerCerts(CLI::App& app, GlobalOptions& g);
void registerImages(CLI::App& app, GlobalOptions& g);
void registerApply(CLI::App& app, GlobalOptions& g);  // plan + apply
void registerStatus(CLI::App& app, GlobalOptions& g);
void registerKubeconfig(CLI::App& app, GlobalOptions& g);
void registerToken(CLI::App& app, GlobalOptions& g);
void registerReset(CLI::App& app, GlobalOptions& g);
void registerEtcd(CLI::App& app, GlobalOptions& g);
void registerBackup(CLI::App& app, GlobalOptions& g);
void registerRestore(CLI::App& app, GlobalOptions& g);
void registerUpgrade(CLI::App& app, GlobalOptions& g);
void registerReport(CLI::App& app, GlobalOptions& g);

void registerAll(CLI::App& app, GlobalOptions& g);

// `kforge apply` with work done under its lock before it observes (`certs renew ... -f INV --apply`): after the
// lock and the state dir's PKI, a verified etcd backup (reason backupReason, when the cluster runs), then
// underLock(state dir root); then observe, plan, apply as `kforge apply` does.
struct LockedApply {
  std::string inventory, stateDir, backupReason;
  int waitLock = 0;
  int timeoutSeconds = 300;
  std::function<void(const std::string& stateRoot)> underLock;
};
int applyLocked(GlobalOptions& g, const LockedApply& o);

}  // namespace kforge::cli
