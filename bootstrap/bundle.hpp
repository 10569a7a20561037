// The offline bundle: every file each host gets (PKI, kubeconfigs, static-pod manifests, kubelet config,
// etcd unit), computed from the inventory and the state dir. `render` writes it to a directory; `apply`
// uploads it.
#pragma once
#include <string>
#include <vector>

#include "bootstrap/manifests.hpp"
#include "core/file_set.hpp"
#include "core/inventory.hpp"

namespace kforge {

struct HostBundle {
  const Host* host = nullptr;
  FileSet files;  // sorted by path
};

// Needs the state dir filled by pki::ensurePki. Hosts in inventory order.
std::vector<HostBundle> renderBundle(const Cluster& c, const std::string& stateDir, const HostFacts& facts = {});

}  // namespace kforge
