// What an upgrade observes beyond apply's observation (bootstrap/apply.hpp): the control-plane mirror pods
// (image, kubernetes.io/config.hash, Ready) per node, every etcd member's status, the Nodes' kubelet versions
// and cordon marks, and the PodDisruptionBudgets. Gathered once per plan; steps re-read what they wait on.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bootstrap/apply.hpp"
#include "core/version.hpp"

namespace kforge::kube {
class KubeClient;
}

namespace kforge::upgrade {

// The annotation kforge puts on a Node it cordoned, so that only what kforge cordoned is uncordoned (also
// after a kill and a re-run).
inline constexpr const char* kCordonedByAnnotation = "kforge.dev/cordoned-by";

struct MirrorPod {
  std::string node;
  std::string component;  // etcd, kube-apiserver, kube-controller-manager, kube-scheduler
  std::string image;
  std::string configHash;  // kubernetes.io/config.hash
  bool ready = false;
};

struct NodeState {
  std::string name;
  std::string kubeletVersion;  // status.nodeInfo.kubeletVersion
  bool ready = false;
  bool unschedulable = false;
  bool cordonedByKforge = false;
};

struct ClusterState {
  Observation base;                                   // apply's observation at the target version
  std::vector<MirrorPod> mirrorPods;                  // kube-system pods with a config.mirror annotation
  std::map<std::string, etcd::MemberStatus> etcd;     // etcd host name -> status (absent: did not answer)
  std::map<std::string, std::string> etcdErrors;      // etcd host name -> why it did not answer
  std::map<std::string, NodeState> nodes;             // node name -> state
  nlohmann::json pdbs = nlohmann::json::array();      // policy/v1 PodDisruptionBudgets, all namespaces
  std::string corefile;                               // the coredns ConfigMap's Corefile ("" = none)

  const MirrorPod* mirror(const std::string& node, const std::string& component) const;
  // The version an image reference's tag names ("registry.k8s.io/kube-apiserver:v1.36.3" -> v1.36.3).
  static std::optional<Version> imageVersion(const std::string& image);
  // The oldest kube-apiserver version among the mirror pods, or nullopt when none is seen.
  std::optional<Version> oldestApiServer() const;
};

// Observes through `applier` (built for the target version's cluster) and the API with admin.conf.
ClusterState observeCluster(const Cluster& target, Applier& applier, const std::string& stateDir);

// The control-plane mirror pods and Nodes, read again (steps wait on them).
std::vector<MirrorPod> readMirrorPods(kube::KubeClient& client);
NodeState readNode(const nlohmann::json& node);

}  // namespace kforge::upgrade
