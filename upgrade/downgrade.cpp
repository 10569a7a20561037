#include "upgrade/downgrade.hpp"

#include <iostream>
#include <map>

#include "bootstrap/restore_run.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "images/images.hpp"
#include "upgrade/report.hpp"

namespace kforge::upgrade {

PreUpgradeBackup findPreUpgradeBackup(const Cluster& atTarget, const std::string& stateDir, const std::string& backupDir) {
  const std::string to = atTarget.kubernetesVersion.str();
  std::string etcd = etcdImageTag(atTarget);
  etcd = etcd.substr(0, etcd.rfind('-') == std::string::npos ? etcd.size() : etcd.rfind('-'));  // "3.6.8-0" -> "3.6.8"
  // The newest upgrade run from `to` whose first backup (taken before its first change) is in the catalog and was
  // streamed while etcd ran the target's release: a run that started over an already upgraded etcd (the rest of an
  // upgrade that was rolled back half-way) has no pre-upgrade backup of its own, an older run has.
  etcd::BackupCatalog catalog(backupDir, atTarget.name);
  std::map<std::string, etcd::BackupMeta> byId;
  for (auto& meta : catalog.list()) byId[meta.id] = meta;
  for (const auto& run : RunReport::list(stateDir)) {  // newest first
    if (run.fromVersion != to || run.commandKey.rfind("upgrade apply", 0) != 0) continue;
    std::string first;
    for (const auto& a : run.attempts)
      for (const auto& s : a.steps)
        if (first.empty() && !s.backupId.empty()) first = s.backupId;
    auto it = byId.find(first);
    if (it != byId.end() && it->second.reason.rfind("pre-step:", 0) == 0 && it->second.etcdVersion == etcd)
      return {it->second, run.runId};
  }
  throw Error("no backup to go back to " + to + " with: no upgrade run from " + to + " in " + RunReport::runsDir(stateDir) +
                  " began with a backup (in " + backupDir + ") taken while etcd still ran " + etcd + " (`kforge backup list` shows the backups; `kforge restore "
                  "--snapshot ID --force` with the inventory at " + to + " restores one by hand); nothing was changed",
              ExitCode::InvalidInput);
}

bool restoreUnfinished(const std::string& stateDir) { return fileExists(stateDir + "/restore.json"); }

Step restoreStep(const Cluster& atTarget, const PreUpgradeBackup& b, const std::string& stateDir,
                 const std::string& backupDir, std::chrono::seconds waitTimeout, Progress& progress) {
  const Cluster* c = &atTarget;
  Progress* p = &progress;
  std::string id = b.backup.id;
  std::string description = "restore etcd backup " + id + " (taken " + b.backup.createdAt + " at revision " +
                            std::to_string(b.backup.revision) + " before upgrade run " + b.runId +
                            "; every write since is lost, kept in a backup of the live cluster taken first) on " +
                            std::to_string(atTarget.etcdHosts().size()) + " etcd host(s), then apply " +
                            atTarget.kubernetesVersion.str() + ": etcd, control plane, addons, kubelet files (the API is down meanwhile)";
  return {"restore", "", description, /*risky=*/false, [c, p, id, stateDir, backupDir, waitTimeout]() -> std::string {
            RestoreRunOptions ro;
            ro.stateDir = stateDir;
            ro.backupDir = backupDir;
            ro.snapshotId = id;
            ro.force = true;  // the cluster is healthy: that is the point; a backup of it is taken first
            ro.waitTimeout = waitTimeout;
            auto r = runRestore(*c, ro, *p, std::cerr, false);
            return "restored " + r.backup.id + ": " + std::to_string(r.members) + " members, " + std::to_string(r.keys) +
                   " keys at revision " + std::to_string(r.revision) +
                   (r.preRestoreBackup.empty() ? "" : "; the live cluster before it is backup " + r.preRestoreBackup);
          }};
}

}  // namespace kforge::upgrade
