// kforge restore -f INV --snapshot ID [--force]: etcd disaster recovery (bootstrap/restore.hpp), then the
// normal apply plan brings the control plane back. Resumable: re-run the same command after an interruption.
#include <iostream>
#include <nlohmann/json.hpp>

#include "bootstrap/etcd_access.hpp"
#include "bootstrap/restore.hpp"
#include "cli/commands.hpp"
#include "cli/preflight_options.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/state_dir.hpp"
#include "pki/store.hpp"

namespace kforge::cli {

namespace {

struct RestoreCli {
  std::string inventory, stateDir, dir, snapshot;
  std::vector<std::string> ignore;
  bool force = false;
  int waitLock = 0, timeoutSeconds = 300;
};

int restore(GlobalOptions& g, const RestoreCli& o) {
  Cluster c = loadInventory(o.inventory);
  for (const auto& w : c.warnings) std::cerr << "warning: " << w << "\n";
  StateDir state = StateDir::forCluster(c, o.stateDir);
  if (!fileExists(state.root + "/pki/etcd/ca.crt"))
    throw Error("no cluster state in " + state.root + ": restore needs the cluster's CAs (the state dir kforge apply "
                "made, or a copy of it); nothing was changed",
                ExitCode::InvalidInput);
  FileLock lock(state.lockFile(), "restore", o.waitLock);
  pki::ensurePki(c, state.root, std::time(nullptr));  // certificates for replacement hosts

  Progress progress(g.json() ? std::cout : std::cerr, g.json());
  ApplyOptions ao;
  ao.stateDir = state.root;
  ao.backupDir = backupDir(c, o.dir);
  ao.waitTimeout = std::chrono::seconds(o.timeoutSeconds);
  ao.etcdRestored = true;
  ao.ignorePreflight = preflightIgnoreSet(o.ignore);
  // The etcd data dirs are expected to be in use: restore moves their content aside itself. So are the control
  // plane's ports: restore stops those components itself and waits until their processes are gone (a run killed
  // during that wait is resumed while the kubelet still gives them their grace period).
  ao.ignorePreflight.insert("diravailable--var-lib-etcd");
  for (const char* port : {"port-6443", "port-10257", "port-10259", "port-2379", "port-2380"}) ao.ignorePreflight.insert(port);
  Applier applier(c, ao, progress);
  Observation obs = applier.observe();

  Restorer restorer(c, applier, state.root, progress);
  const auto& meta = restorer.prepare({o.snapshot, ao.backupDir, o.force}, obs);
  stopOnPreflightErrors(applier.preflight(obs));
  if (!g.json())
    std::cout << "Restoring backup " << meta.id << " (" << meta.createdAt << ", revision " << meta.revision << ", "
              << meta.fileSize << " bytes, taken from " << meta.member << ") onto " << c.etcdHosts().size()
              << " etcd host(s), new cluster token " << restorer.record().token << "\n";

  Plan data = restorer.planDataRestore(obs);
  data.print(std::cout, g.json());
  runPlan(data, progress);
  restorer.markDataRestored();

  // The rest is apply: every restored member starts at once, then the control plane, addons and nodes.
  Observation after = applier.observe();
  Plan rest = applier.plan(after);
  rest.print(std::cout, g.json());
  runPlan(rest, progress, [&](const Step& s) { applier.backupBefore(s); });

  auto client = etcdClientFor(c, state.root);
  auto members = client->memberList();
  auto keys = client->range(std::string(1, '\0'), std::string(1, '\0'), 0, /*countOnly=*/true);
  restorer.finish();
  if (g.json()) {
    std::cout << nlohmann::json{{"restored", meta.id}, {"token", restorer.record().token},
                                {"members", members.size()}, {"keys", keys.count}, {"revision", keys.revision},
                                {"preRestoreBackup", restorer.preRestoreBackup()},
                                {"workDir", restorer.record().workDir()}}
                     .dump()
              << "\n";
  } else {
    std::cout << "Restored backup " << meta.id << " in " << static_cast<int>(progress.elapsedSeconds() + 0.5)
              << " s: " << members.size() << " etcd members started, " << keys.count << " keys at revision "
              << keys.revision << ". The old data of each etcd host is in " << restorer.record().workDir()
              << "/old-data-*/ on that host.\n";
  }
  return 0;
}

}  // namespace

void registerRestore(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<RestoreCli>();
  auto* cmd = app.add_subcommand("restore", "restore etcd from a backup on every etcd host, then bring the control plane back");
  cmd->add_option("-f,--inventory", o->inventory, "inventory file")->required();
  cmd->add_option("--snapshot", o->snapshot, "backup id (kforge backup list) or 'latest'")->required();
  cmd->add_option("--state-dir", o->stateDir, "cluster state directory");
  cmd->add_option("--dir", o->dir, "backup directory (default: spec.backups.dir)");
  cmd->add_flag("--force", o->force,
                "restore even though the cluster still has quorum, or the backup is of another cluster "
                "(a backup of the live cluster is taken first)");
  cmd->add_option("--ignore-preflight-errors", o->ignore, "preflight checks to show as warnings, or 'all'");
  cmd->add_option("--wait-lock", o->waitLock, "seconds to wait for another kforge run on this cluster");
  cmd->add_option("--timeout", o->timeoutSeconds, "seconds to wait for each component to become healthy (default 300)");
  cmd->add_flag("--yes", [](int64_t) {}, "do not ask (restore never asks; accepted for scripts)");
  cmd->callback([&g, o] { runGuarded(g, [&] { return restore(g, *o); }); });
}

}  // namespace kforge::cli
