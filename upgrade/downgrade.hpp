// Going back to an older release: `kforge upgrade plan|apply --to OLDER --allow-downgrade`.
//
// Decision (issue 10, "--allow-downgrade plans a restore of the pre-upgrade backup instead"): kforge, like kubeadm,
// never runs an older control plane over data a newer one wrote (storage versions, etcd's own data format), so
// going back is a restore of the etcd backup taken before the upgrade. The plan, from a fresh look at the cluster:
//   1. the gate (kubelet skew reported only: kubelets newer than the target are what this fixes);
//   2. kubelet   every node whose kubelet is not at the target, one at a time as in an upgrade (cordon, drain,
//                install the target's kubelet, its files, restart, Ready at the target, uncordon) — FIRST, while
//                the newer control plane still runs: a kubelet may be older than the API server, never newer;
//   3. restore   `kforge restore` of the pre-upgrade backup with the inventory at the target (bootstrap/
//                restore_run.hpp): a verified backup of the live cluster first (nothing is lost for good: every
//                write since the pre-upgrade backup is in it), etcd data restored on every member, then apply at
//                the target — etcd, control plane, addons, kubelet files. The API is down during the restore.
// Every write made after the pre-upgrade backup is gone from the restored cluster: the plan says so, with the
// backup's time and revision. No availability probe runs (the outage is the plan). Resuming: a re-run after a kill
// plans the kubelets still left, and the restore resumes from <state>/restore.json.
//
// The pre-upgrade backup: the newest `pre-step:` backup recorded in the run report of an upgrade from the target
// (<state>/runs) that was taken while etcd still ran the target's etcd release — a later pre-step backup of the
// same upgrade may already hold data written by the newer etcd or control plane.
#pragma once
#include <optional>
#include <string>

#include "core/inventory.hpp"
#include "core/plan.hpp"
#include "core/progress.hpp"
#include "etcdctl/backup.hpp"

namespace kforge::upgrade {

struct PreUpgradeBackup {
  etcd::BackupMeta backup;
  std::string runId;  // the upgrade run whose report names it
};

// Throws kforge::Error (InvalidInput, nothing changed) naming what was looked for when there is none.
PreUpgradeBackup findPreUpgradeBackup(const Cluster& atTarget, const std::string& stateDir, const std::string& backupDir);

// True while a restore started by a downgrade (or `kforge restore`) has not finished: <state>/restore.json.
bool restoreUnfinished(const std::string& stateDir);

// The plan's restore step (cluster-wide): runs bootstrap's runRestore of `b` for `atTarget` when run. `atTarget`
// must outlive the plan.
Step restoreStep(const Cluster& atTarget, const PreUpgradeBackup& b, const std::string& stateDir,
                 const std::string& backupDir, std::chrono::seconds waitTimeout, Progress& progress);

}  // namespace kforge::upgrade
