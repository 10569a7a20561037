// `kforge restore --snapshot ID`: etcd disaster recovery onto the inventory's etcd hosts (the same hosts, or
// replacement hosts named in the inventory). etcd's documented procedure (reference/etcd.md), made resumable:
//
//   0. check    the backup's hashes (a corrupt snapshot is refused before any host is touched); refuse when a
//               majority of the inventory's etcd hosts are still healthy members (the cluster has quorum) unless
//               --force, and then take a verified backup of the live cluster first.
//   1. check    on every etcd host not yet restored: spec.etcd.dataDir is absent, empty or an etcd data dir
//               (bootstrap/etcd_data_dir_guard.hpp), else the restore stops here with nothing changed on any host.
//      stop     on every etcd and control-plane host: the etcd and control-plane static-pod manifests are moved
//               to /var/lib/kforge/restore-<token>/manifests-<run>/ (the kubelet stops the pods), an etcd unit is
//               stopped; waits until no etcd or kube-apiserver process is left.
//   2. snapshot the snapshot is uploaded to each etcd host (atomic, skipped when already there) and its sha256
//               checked on the host.
//   3. data     on each etcd host: `etcdutl snapshot restore` (or `etcdctl snapshot restore` where etcdutl is
//               missing, as on etcd 3.4) into a scratch dir with every member in --initial-cluster and a new
//               cluster token; the old data dir's content is MOVED to .../old-data-<run>/, the restored member
//               dir moved in (after the data dir check once more); a marker file records that this host is done.
//   4. apply    the normal apply plan with ApplyOptions::etcdRestored: every member starts at once, kforge waits
//               until each is healthy, then the control plane comes back (manifests, /readyz), addons, nodes.
//
// Resuming: <state dir>/restore.json records the snapshot and the token of an unfinished restore. A re-run
// with the same snapshot keeps the token, skips hosts whose marker says they are done (and the quorum guard,
// since the cluster that answers may be the half-restored one), and continues. On success it is renamed to
// restore-<token>.json (kept as a record).
#pragma once
#include <string>

#include "bootstrap/apply.hpp"
#include "etcdctl/backup.hpp"

namespace kforge {

struct RestoreOptions {
  std::string snapshotId;  // backup id or "latest"
  std::string backupDir;   // the catalog to take it from
  bool force = false;      // restore over a cluster that still has quorum (or a snapshot of another cluster)
};

// What is being restored; persisted as <state dir>/restore.json while unfinished.
struct RestoreRecord {
  std::string snapshotId;
  std::string sha256;
  std::string token;      // the new etcd cluster token; names the work dir on every host
  std::string startedAt;
  bool dataRestored = false;  // steps 1-3 finished on every etcd host

  std::string workDir() const { return "/var/lib/kforge/restore-" + token; }
};

class Restorer {
 public:
  // applier: built with ApplyOptions::etcdRestored = true; stateDir: the cluster's state dir.
  Restorer(const Cluster& c, Applier& applier, const std::string& stateDir, Progress& progress);

  // Step 0: loads and checks the backup, applies the quorum guard, loads or starts the restore record.
  // Throws kforge::Error (nothing changed) when the restore is refused.
  const etcd::BackupMeta& prepare(const RestoreOptions& o, const Observation& obs);
  // Steps 1-3 as a plan (empty when the record says they are done).
  Plan planDataRestore(const Observation& obs);
  // Marks steps 1-3 done in the record (after planDataRestore's plan ran).
  void markDataRestored();
  // Renames the record to restore-<token>.json: the restore is complete.
  void finish();

  const RestoreRecord& record() const { return rec_; }
  const std::string& preRestoreBackup() const { return preBackup_; }

 private:
  void saveRecord() const;
  std::string recordPath() const { return stateDir_ + "/restore.json"; }

  const Cluster& c_;
  Applier& applier_;
  std::string stateDir_;
  Progress& progress_;
  etcd::BackupMeta meta_;
  std::string snapshotPath_;
  RestoreRecord rec_;
  std::string runStamp_;
  std::string preBackup_;
};

// The shell script run on one etcd host for step 3 (exposed for tests).
std::string restoreDataScript(const Cluster& c, const Host& h, const RestoreRecord& rec, const std::string& runStamp);

}  // namespace kforge
