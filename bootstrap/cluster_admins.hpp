#pragma once
#include <chrono>
#include <string>

#include "core/inventory.hpp"

namespace kforge {

// Makes sure admin.conf's group kubeadm:cluster-admins has its ClusterRoleBinding to cluster-admin, and that
// every control-plane API server that answers already authorizes admin.conf with it. Returns what it did.
std::string ensureClusterAdmins(const Cluster& c, const std::string& stateDir, std::chrono::seconds timeout);

// Where the state dir keeps super-admin.conf (O=system:masters): with the first control-plane host's files.
std::string superAdminConfPath(const Cluster& c, const std::string& stateDir);

}  // namespace kforge
