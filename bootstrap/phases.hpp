// The phases of `apply` (and of restore, which is apply after a snapshot restore), each a unit in its own
// file, like kubeadm's phases/<name> and k0sctl's phase manager. A phase looks at the observation and adds
// the steps it needs to the plan, nothing when the hosts already match; the steps run later, through the
// Applier's machinery (SSH fleet, etcd client, waits). `kforge upgrade` (upgrade/) composes its own phases
// from the same machinery.
//
//   bootstrap/phase_files.cpp          files          PKI, kubeconfigs, kubelet config and unit, per host in parallel
//   bootstrap/phase_kubelet.cpp        kubelet        (re)start the kubelet where its unit changed or it is stopped
//   bootstrap/phase_etcd.cpp           etcd           first member, learner joins, restored members, manifest changes
//   bootstrap/phase_control_plane.cpp  control-plane  apiserver, controller-manager, scheduler manifests; /readyz
//   bootstrap/phase_restart.cpp        restart        running components whose certificates/kubeconfigs changed
//   bootstrap/phase_addons.cpp         addons         RBAC, kubeadm-config, kubelet-config, cluster-info, CoreDNS, kube-proxy
//   bootstrap/phase_nodes.cpp          nodes          registration, pool labels and taints
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bootstrap/expected_files.hpp"
#include "core/inventory.hpp"
#include "core/plan.hpp"

namespace kforge {

class Applier;
struct Observation;

// What every phase plans from. Steps must not keep a reference to the context itself (it lives only while
// planning): they capture the Applier, the observation (both outlive the run) and copies of what they need.
struct PhaseContext {
  const Cluster& cluster;
  Applier& applier;
  const Observation& obs;
  const std::map<std::string, ExpectedFiles>& expected;  // host name -> files at cluster.kubernetesVersion
};

std::unique_ptr<Phase> filesPhase(const PhaseContext& ctx);
std::unique_ptr<Phase> kubeletPhase(const PhaseContext& ctx);
std::unique_ptr<Phase> etcdPhase(const PhaseContext& ctx);
std::unique_ptr<Phase> controlPlanePhase(const PhaseContext& ctx);
std::unique_ptr<Phase> restartPhase(const PhaseContext& ctx);
std::unique_ptr<Phase> addonsPhase(const PhaseContext& ctx);
std::unique_ptr<Phase> nodesPhase(const PhaseContext& ctx);

// apply's phases in order.
std::vector<std::unique_ptr<Phase>> applyPhases(const PhaseContext& ctx);

}  // namespace kforge
