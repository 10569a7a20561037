// The phases of an in-place upgrade hop, one file each (like bootstrap/phases.hpp for apply), composed by
// upgrade/inplace.cpp in this order:
//   upgrade/phase_prepull.cpp        prepull        every image of the target pulled on every node, in parallel
//   upgrade/phase_etcd_members.cpp   etcd           one member at a time, the leader last (leadership moved away)
//   upgrade/phase_control_plane.cpp  control-plane  kube-apiserver, controller-manager, scheduler, one host at a time
//   bootstrap/phase_addons.cpp       addons         kubeadm-config, kubelet-config, CoreDNS, kube-proxy at the target
//   upgrade/phase_kubelets.cpp       kubelet        cordon, drain, package, config, restart, Ready at target, uncordon
// Every step of a phase re-checks on the host what it is about to change, so a re-run after a kill plans
// only what is left and a step interrupted half-way finishes.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "bootstrap/expected_files.hpp"
#include "bootstrap/phases.hpp"
#include "upgrade/cluster_state.hpp"

namespace kforge::upgrade {

struct UpgradeContext {
  const Cluster& target;  // the inventory at this hop's version
  Applier& applier;       // built for `target`
  const ClusterState& state;
  const std::map<std::string, ExpectedFiles>& expected;  // at the target version
  std::string runId;
  std::chrono::seconds componentTimeout{300};  // per host and component
};

std::unique_ptr<Phase> prepullPhase(const UpgradeContext& ctx);
std::unique_ptr<Phase> etcdMembersPhase(const UpgradeContext& ctx);
std::unique_ptr<Phase> controlPlaneUpgradePhase(const UpgradeContext& ctx);
std::unique_ptr<Phase> kubeletUpgradePhase(const UpgradeContext& ctx);

}  // namespace kforge::upgrade
