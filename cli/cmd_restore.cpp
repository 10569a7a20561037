// kforge restore -f INV --snapshot ID [--force]: etcd disaster recovery (bootstrap/restore.hpp), then the
// normal apply plan brings the control plane back. Resumable: re-run the same command after an interruption.
#include <iostream>
#include <nlohmann/json.hpp>

#include "bootstrap/etcd_access.hpp"
#include "bootstrap/restore_run.hpp"
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
  RestoreRunOptions ro;
  ro.stateDir = state.root;
  ro.backupDir = backupDir(c, o.dir);
  ro.snapshotId = o.snapshot;
  ro.force = o.force;
  ro.waitTimeout = std::chrono::seconds(o.timeoutSeconds);
  ro.ignorePreflight = preflightIgnoreSet(o.ignore);
  ro.onPrepared = [&](const etcd::BackupMeta& meta, const RestoreRecord& rec) {
    if (!g.json())
      std::cout << "Restoring backup " << meta.id << " (" << meta.createdAt << ", revision " << meta.revision << ", "
                << meta.fileSize << " bytes, taken from " << meta.member << ") onto " << c.etcdHosts().size()
                << " etcd host(s), new cluster token " << rec.token << "\n";
  };
  RestoreRunResult r = runRestore(c, ro, progress, std::cout, g.json());
  if (g.json()) {
    std::cout << nlohmann::json{{"restored", r.backup.id}, {"token", r.record.token},
                                {"members", r.members}, {"keys", r.keys}, {"revision", r.revision},
                                {"preRestoreBackup", r.preRestoreBackup},
                                {"workDir", r.record.workDir()}}
                     .dump()
              << "\n";
  } else {
    std::cout << "Restored backup " << r.backup.id << " in " << static_cast<int>(progress.elapsedSeconds() + 0.5)
              << " s: " << r.members << " etcd members started, " << r.keys << " keys at revision "
              << r.revision << ". The old data of each etcd host is in " << r.record.workDir()
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
