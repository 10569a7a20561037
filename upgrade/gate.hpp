// The whole-cluster gate of `kforge upgrade`, run before anything changes (reference/upgrade.md: kubeadm's
// upgrade plan health checks, Cluster API's preflight, and what users' upgrades broke without them):
//   etcd          every member answers, has a leader, no alarms; quorum still held with one member down
//   control-plane every kube-apiserver /readyz; every controller-manager and scheduler mirror pod Ready
//   kubelet-skew  no kubelet newer than the oldest API server nor more than 3 minors older than the target
//   certificates  leaves within renewBeforeDays (re-issued and pushed by this run: kubeadm#2989) — information
//   pdb           PodDisruptionBudgets allowing 0 disruptions that cover pods on nodes to drain
//   backup-space  free space in the backup directory for one snapshot per risky step
//   coredns       every plugin of the live Corefile is one the target's CoreDNS has
// A blocking finding stops the run with nothing changed (exit 4), naming the host and the check.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "upgrade/cluster_state.hpp"

namespace kforge::upgrade {

struct GateFinding {
  std::string check;  // etcd, control-plane, kubelet-skew, certificates, pdb, backup-space, coredns
  std::string host;   // "" for cluster-wide
  std::string message;
  bool blocking = true;
};

struct GateOptions {
  std::string stateDir;
  std::string backupDir;
  int riskySteps = 0;                   // backups the run will take
  bool allowUnknownCorefilePlugins = false;
  std::set<std::string> ignore;         // check names to report but not block on ("all" = every one)
  // Control planes whose components a killed run left held down (bootstrap/local_api_server_down.hpp): the plan
  // puts them back first, so their control-plane findings are notes.
  std::set<std::string> heldDown;
};

std::vector<GateFinding> runGate(const Cluster& target, const ClusterState& state, const GateOptions& o);

// The plugin names of a Corefile's server blocks (first word of each directive line).
std::set<std::string> corefilePlugins(const std::string& corefile);
// Plugins CoreDNS (v1.11–v1.13, what kubeadm's releases ship) builds in by default.
const std::set<std::string>& knownCorednsPlugins();

}  // namespace kforge::upgrade
