// The kubeadm configuration equivalent to an inventory, for one host (kubeadm.k8s.io/v1beta4, which both pinned
// kubeadm releases read), and the phases kubeadm runs for that host's role.
#pragma once
#include <string>
#include <vector>

#include "core/inventory.hpp"

namespace kforge::kubeadmdiff {

// How kubeadm would build this host:
//   InitControlPlane  `kubeadm init` on the first control plane (everything, plus the cluster's API objects)
//   JoinControlPlane  another control plane: init's files without super-admin.conf (kubeadm join writes none)
//   EtcdMember        a host of an etcd pool (kubeadm's "external etcd with kubeadm" guide: etcd certs + etcd local)
//   Worker            kubelet-start (its kubelet.conf: `kubeadm kubeconfig user`, as a joined node's points at the
//                     endpoint)
enum class NodeRole { InitControlPlane, JoinControlPlane, EtcdMember, Worker };
std::string toString(NodeRole r);

// A fixed bootstrap token both sides upload (the addon comparison).
inline constexpr const char* kBootstrapToken = "kfdiff.0123456789abcdef";

// InitConfiguration + ClusterConfiguration for `host` (certificatesDir /etc/kubernetes/pki inside kubeadm's rootfs).
std::string kubeadmConfig(const Cluster& c, const Host& h, NodeRole role);

// --skip-phases for the role: what kubeadm would not run on such a node (and what needs a live cluster).
// apiServerEtcdClient: an etcd member also issues apiserver-etcd-client (kubeadm's external-etcd guide does it on
// the first etcd host and copies it to the control planes).
std::string skipPhases(NodeRole role, bool apiServerEtcdClient = false);

}  // namespace kforge::kubeadmdiff
