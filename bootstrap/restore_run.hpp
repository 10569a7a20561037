// The whole of a restore, as `kforge restore` runs it and `kforge upgrade apply --allow-downgrade` reuses it:
// the Restorer's check (step 0), the preflight, the data restore on every etcd host (steps 1-3), then the normal
// apply plan with every restored member starting at once (step 4). bootstrap/restore.hpp describes the steps and
// how a re-run resumes.
#pragma once
#include <cstdint>
#include <functional>
#include <ostream>
#include <set>
#include <string>

#include "bootstrap/restore.hpp"

namespace kforge {

struct RestoreRunOptions {
  std::string stateDir;
  std::string backupDir;
  std::string snapshotId;  // backup id or "latest"
  bool force = false;
  std::chrono::seconds waitTimeout{300};
  std::set<std::string> ignorePreflight;  // beyond those a restore always ignores (its own data dirs and ports)
  // Called once the backup is chosen and checked, before any host is touched (for the caller's message).
  std::function<void(const etcd::BackupMeta&, const RestoreRecord&)> onPrepared;
};

struct RestoreRunResult {
  etcd::BackupMeta backup;
  RestoreRecord record;
  std::string preRestoreBackup;  // the live cluster's backup taken first (--force), or ""
  size_t members = 0;            // etcd members after the restore
  int64_t keys = 0, revision = 0;
};

// Runs the restore of `c` (its etcd hosts and kubernetesVersion are what comes back); prints each plan to `out`
// (JSON when json). Throws kforge::Error; a re-run with the same snapshot resumes.
RestoreRunResult runRestore(const Cluster& c, const RestoreRunOptions& o, Progress& progress, std::ostream& out, bool json);

}  // namespace kforge
