// What kforge wants on one host, grouped by the phase that writes it: the node's files (PKI, kubeconfigs,
// kubelet config and unit), its etcd manifest or unit, and its control-plane manifests. Compared by sha256
// with the facts (bootstrap/facts.hpp) to plan only what differs.
#pragma once
#include <string>

#include "bootstrap/facts.hpp"
#include "core/file_set.hpp"
#include "core/inventory.hpp"

namespace kforge {

struct ExpectedFiles {
  FileSet node;          // PKI, kubeconfigs, kubelet config and unit
  FileSet etcd;          // etcd manifest or unit, in kubeadm's join form (see below)
  FileSet controlPlane;  // kube-apiserver, kube-controller-manager, kube-scheduler manifests
};

// Every file for host h of cluster c at c.kubernetesVersion. The etcd member's canonical form is the one
// apply installs: the members before it in inventory order plus itself, "new" for the first, else "existing".
ExpectedFiles expectedFiles(const Cluster& c, const Host& h, const NodeFacts& f, const std::string& stateDir);

// How many of `files` are missing on the host or differ from it.
int filesDiffering(const FileSet& files, const NodeFacts& f);

// Hosts that run a kubelet: all but etcd hosts whose etcd is a systemd service.
bool runsKubelet(const Cluster& c, const Host& h);

}  // namespace kforge
