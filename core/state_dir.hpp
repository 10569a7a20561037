// The cluster state directory: `.kforge/<cluster>/` beside the inventory unless --state-dir says otherwise.
// It holds the CAs and service-account keys, per-host certificates and kubeconfigs (docs/pki.md), the admin
// kubeconfig, run reports and the run lock. Backups default to spec.backups.dir (relative to the inventory).
#pragma once
#include <string>

#include "core/inventory.hpp"

namespace kforge {

struct StateDir {
  std::string root;

  // Throws kforge::Error when the directory exists but is not private to the user (core/file_permissions.hpp).
  static StateDir forCluster(const Cluster& c, const std::string& overrideDir = "");
  std::string lockFile() const { return root + "/run.lock"; }
  std::string adminKubeconfig() const { return root + "/admin.conf"; }
  std::string reportsDir() const { return root + "/reports"; }
};

// spec.backups.dir resolved against the inventory's directory (absolute paths are kept). Throws kforge::Error
// when the directory exists but is not private to the user.
std::string backupDir(const Cluster& c, const std::string& overrideDir = "");

// spec.upgrade.kubelet.binaryDir resolved against the inventory's directory ("" when not set).
std::string kubeletBinaryDir(const Cluster& c);

}  // namespace kforge
