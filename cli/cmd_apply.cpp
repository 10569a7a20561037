// kforge plan -f INV   : observe, preflight, print the plan, change nothing.
// kforge apply -f INV  : the same, then run the plan (one progress line per host and step).
// Both make sure the local state dir holds the cluster PKI first (a local change only, as render does).
#include <algorithm>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "bootstrap/apply.hpp"
#include "bootstrap/etcd_access.hpp"
#include "etcdctl/backup.hpp"
#include "cli/commands.hpp"
#include "cli/preflight_options.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/state_dir.hpp"
#include "pki/store.hpp"

namespace kforge::cli {

namespace {

struct ApplyCliOptions {
  std::string inventory;
  std::string stateDir;
  std::vector<std::string> ignore;
  int waitLock = 0;
  int timeoutSeconds = 300;
};

int planOrApply(GlobalOptions& g, const ApplyCliOptions& o, bool apply, const LockedApply* locked = nullptr) {
  Cluster c = loadInventory(o.inventory);
  for (const auto& w : c.warnings) std::cerr << "warning: " << w << "\n";
  StateDir state = StateDir::forCluster(c, o.stateDir);
  makeDirs(state.root, 0700);
  FileLock lock(state.lockFile(), locked ? "certs renew --apply" : apply ? "apply" : "plan", o.waitLock);
  pki::ensurePki(c, state.root, std::time(nullptr));
  if (locked) {
    // A verified backup before anything changes (when there is a cluster to back up), then the caller's work.
    std::unique_ptr<etcd::Client> client;
    try {
      client = etcdClientFor(c, state.root);
      client->setRetryFor(std::chrono::seconds(0));
      client->memberList();
    } catch (const Error&) {
      client.reset();
    }
    if (client) {
      client->setRetryFor(std::chrono::minutes(2));
      auto meta = etcd::takeBackup(*client, {backupDir(c), c.name, c.kubernetesVersion.str(), locked->backupReason});
      std::cerr << "backup " << meta.id << ": " << meta.fileSize << " bytes, sha256 verified\n";
    } else {
      std::cerr << "warning: no etcd member answers: no backup taken (nothing runs that a restart could lose)\n";
    }
    if (locked->underLock) locked->underLock(state.root);
  }

  // Progress goes to stderr as text; with -o json, JSON lines on stdout and the plan/result objects too.
  Progress progress(g.json() ? std::cout : std::cerr, g.json());
  ApplyOptions ao;
  ao.stateDir = state.root;
  ao.backupDir = backupDir(c);
  ao.ignorePreflight = preflightIgnoreSet(o.ignore);
  ao.waitTimeout = std::chrono::seconds(o.timeoutSeconds);
  Applier applier(c, ao, progress);

  Observation obs = applier.observe();
  if (!obs.unreachable.empty()) {
    std::string msg = "cannot reach " + std::to_string(obs.unreachable.size()) + " host(s); nothing was changed:";
    for (const auto& [h, why] : obs.unreachable) msg += "\n  " + h + ": " + why;
    throw Error(msg, ExitCode::Unreachable);
  }
  applier.refuseDowngrade(obs);
  stopOnPreflightErrors(applier.preflight(obs));

  Plan plan = applier.plan(obs);
  plan.print(g.json() ? std::cout : std::cout, g.json());
  if (!apply || plan.empty()) return 0;
  runPlan(plan, progress, [&](const Step& s) { applier.backupBefore(s); });
  if (!g.json()) {
    char times[160];
    double total = progress.elapsedSeconds(), waited = waitedSeconds();
    std::snprintf(times, sizeof times, "%.1f s (%.1f s waiting for components to become healthy, %.1f s kforge's own work)",
                  total, waited, total - waited);
    std::cout << "Applied " << plan.steps.size() << " step" << (plan.steps.size() == 1 ? "" : "s") << " in " << times
              << ". Admin kubeconfig: " << state.adminKubeconfig() << "\n";
  }
  return 0;
}

void addCommon(CLI::App* cmd, ApplyCliOptions& o) {
  cmd->add_option("-f,--inventory", o.inventory, "inventory file")->required();
  cmd->add_option("--state-dir", o.stateDir, "cluster state directory (default: .kforge/<cluster> beside the inventory)");
  cmd->add_option("--ignore-preflight-errors", o.ignore,
                  "preflight checks to show as warnings, by kubeadm name (e.g. Swap,Port-6443) or 'all'");
  cmd->add_option("--wait-lock", o.waitLock, "seconds to wait for another kforge run on this cluster (default 0)");
  cmd->add_option("--timeout", o.timeoutSeconds, "seconds to wait for each component to become healthy (default 300)");
}

}  // namespace

int applyLocked(GlobalOptions& g, const LockedApply& l) {
  ApplyCliOptions o;
  o.inventory = l.inventory;
  o.stateDir = l.stateDir;
  o.waitLock = l.waitLock;
  o.timeoutSeconds = l.timeoutSeconds;
  return planOrApply(g, o, true, &l);
}

void registerApply(CLI::App& app, GlobalOptions& g) {
  auto po = std::make_shared<ApplyCliOptions>();
  auto* plan = app.add_subcommand("plan", "observe the hosts and print the steps apply would run (changes nothing)");
  addCommon(plan, *po);
  plan->callback([&g, po] { runGuarded(g, [&] { return planOrApply(g, *po, false); }); });

  auto ao = std::make_shared<ApplyCliOptions>();
  auto* apply = app.add_subcommand("apply", "bring the cluster to what the inventory says (plan, then run it)");
  addCommon(apply, *ao);
  apply->add_flag("--yes", [](int64_t) {}, "do not ask (apply never asks; accepted for scripts)");
  apply->callback([&g, ao] { runGuarded(g, [&] { return planOrApply(g, *ao, true); }); });
}

}  // namespace kforge::cli
