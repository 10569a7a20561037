// kforge reset -f INV [--host H ...] [--force]: see bootstrap/reset.hpp.
#include <iostream>

#include "bootstrap/reset.hpp"
#include "cli/commands.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/state_dir.hpp"

namespace kforge::cli {

namespace {
struct ResetCli {
  std::string inventory, stateDir;
  std::vector<std::string> hosts;
  bool force = false;
  int waitLock = 0;
};

int reset(GlobalOptions& g, const ResetCli& o) {
  Cluster c = loadInventory(o.inventory);
  StateDir state = StateDir::forCluster(c, o.stateDir);
  if (!fileExists(state.root + "/pki/etcd/ca.crt"))
    throw Error("no cluster state in " + state.root + " (nothing was applied from here); nothing to reset",
                ExitCode::InvalidInput);
  FileLock lock(state.lockFile(), "reset", o.waitLock);
  Progress progress(g.json() ? std::cout : std::cerr, g.json());
  ApplyOptions ao;
  ao.stateDir = state.root;
  ao.backupDir = backupDir(c);
  Applier applier(c, ao, progress);
  Observation obs = applier.observe();
  for (const auto& [h, why] : obs.unreachable)
    std::cerr << "warning: " << h << " is unreachable (" << why << "); it will not be cleaned\n";
  Plan plan = planReset(c, applier, obs, {o.hosts, o.force});
  plan.print(std::cout, g.json());
  runPlan(plan, progress, [&](const Step& s) { applier.backupBefore(s); });
  if (!g.json()) std::cout << "Reset " << (o.hosts.empty() ? "every host" : std::to_string(o.hosts.size()) + " host(s)") << ".\n";
  return 0;
}
}  // namespace

void registerReset(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<ResetCli>();
  auto* cmd = app.add_subcommand("reset", "take hosts out of the cluster and clean them (files are moved aside, not deleted)");
  cmd->add_option("-f,--inventory", o->inventory, "inventory file")->required();
  cmd->add_option("--state-dir", o->stateDir, "cluster state directory");
  cmd->add_option("--host", o->hosts, "host(s) to reset (default: every host)");
  cmd->add_flag("--force", o->force, "also reset the last etcd member (its data is moved aside after a backup)");
  cmd->add_flag("--yes", [](int64_t) {}, "do not ask (reset never asks; accepted for scripts)");
  cmd->add_option("--wait-lock", o->waitLock, "seconds to wait for another kforge run on this cluster");
  cmd->callback([&g, o] { runGuarded(g, [&] { return reset(g, *o); }); });
}

}  // namespace kforge::cli
