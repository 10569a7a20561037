// What kubeadm's control-plane, etcd and kubelet-start phases write, rendered offline from the inventory:
// static pod manifests (/etc/kubernetes/manifests), the etcd systemd unit (etcd runAs: systemd) and the
// kubelet's /var/lib/kubelet/config.yaml. Reference: reference/kubeadm.md §3; goldens:
// tests/fixtures/golden/. Every function is pure and deterministic (same input → same bytes).
#pragma once
#include <set>
#include <string>
#include <utility>

#include "bootstrap/static_pod.hpp"
#include "core/file_set.hpp"
#include "core/inventory.hpp"

namespace kforge {

inline constexpr const char* kManifestsDir = "/etc/kubernetes/manifests";
inline constexpr const char* kPkiDir = "/etc/kubernetes/pki";
inline constexpr const char* kKubeletConfigPath = "/var/lib/kubelet/config.yaml";
inline constexpr const char* kEtcdUnitPath = "/etc/systemd/system/etcd.service";

// Facts about the target host that change what kubeadm writes. Rendering has no host; the defaults are
// what kforge assumes without facts (no optional CA dirs, no systemd-resolved).
struct HostFacts {
  // Which of optionalCaCertDirs() exist on the host; each becomes a read-only hostPath volume of
  // kube-apiserver and kube-controller-manager.
  std::set<std::string> presentCaCertDirs;
  // Set to "/run/systemd/resolve/resolv.conf" when systemd-resolved is active (kubeadm does the same);
  // empty = kubelet default (/etc/resolv.conf), no resolvConf key.
  std::string resolvConf;
  // The CRI socket the facts found ("/run/containerd/containerd.sock"); empty = kubeadm's default (containerd).
  std::string criSocket;
};

// ---- kube-apiserver (manifest_apiserver.cpp)
Flags apiServerFlags(const Cluster& c, const Host& h);  // defaults merged with apiServer.extraArgs
std::string renderApiServerManifest(const Cluster& c, const Host& h, const HostFacts& facts = {});
// --etcd-servers: the local member when stacked (https://127.0.0.1:2379, https://[::1]:2379 on an IPv6 host h),
// every etcd host's https://<addr>:2379 joined by ',' when external.
std::string etcdServersFlag(const Cluster& c, const Host* h = nullptr);

// ---- kube-controller-manager (manifest_controller_manager.cpp)
Flags controllerManagerFlags(const Cluster& c);
std::string renderControllerManagerManifest(const Cluster& c, const Host& h, const HostFacts& facts = {});

// ---- kube-scheduler (manifest_scheduler.cpp)
Flags schedulerFlags(const Cluster& c);
std::string renderSchedulerManifest(const Cluster& c, const Host& h);

// ---- etcd (manifest_etcd.cpp)
// "<name>=https://<addr>:2380" of the etcd members 0..upTo (every member by default), in inventory order,
// joined by ','.
std::string etcdInitialCluster(const Cluster& c, size_t upTo = static_cast<size_t>(-1));
// The member's flags. initialCluster / initialClusterState are the caller's decision (kubeadm.md §9):
//   first member:   initialCluster = "<self>=https://<addr>:2380", state "new"
//   joining member: all current members plus self, state "existing"
// --initial-cluster-state is written only when it is not "new" (etcd's default), like kubeadm.
// The etcd < 3.6 / ≥ 3.6 flag names are chosen from the cluster's etcd image tag.
Flags etcdFlags(const Cluster& c, const Host& h, const std::string& initialCluster,
                const std::string& initialClusterState);
std::string renderEtcdManifest(const Cluster& c, const Host& h, const std::string& initialCluster,
                               const std::string& initialClusterState);
// What `apply` installs on a member (and so what `render` shows): kubeadm's forms, with the members in inventory
// order — the first member "<self>=<peer URL>" and "new" (kubeadm init); member i the members 0..i and "existing"
// (kubeadm join: the members so far plus itself).
std::pair<std::string, std::string> etcdInstallForm(const Cluster& c, const Host& h);  // {initialCluster, state}
std::string renderEtcdManifest(const Cluster& c, const Host& h);
// True when the cluster's etcd (image tag, or the expected host version for runAs: systemd) is 3.6 or newer.
// Throws kforge::Error (InvalidInput) when etcd.imageTag is not an etcd version.
bool etcdAtLeast36(const Cluster& c);

// ---- etcd as a systemd service (etcd_systemd_unit.cpp): same flags as the manifest, /usr/bin/etcd.
std::string renderEtcdSystemdUnit(const Cluster& c, const Host& h, const std::string& initialCluster,
                                  const std::string& initialClusterState);
std::string renderEtcdSystemdUnit(const Cluster& c, const Host& h);  // etcdInstallForm, as the manifest

// ---- kubelet (kubelet_config.cpp): KubeletConfiguration as kubeadm writes it for this Kubernetes version.
std::string renderKubeletConfig(const Cluster& c, const HostFacts& facts = {});
// The cluster-wide one kubeadm stores in the kubelet-config ConfigMap: no node's containerRuntimeEndpoint.
std::string renderClusterKubeletConfig(const Cluster& c);
// The 10th address of the (first) service subnet, e.g. 10.96.0.10.
std::string clusterDnsAddress(const Cluster& c);

// ---- everything one host gets (render_host.cpp)
// control plane: kube-apiserver, kube-controller-manager, kube-scheduler manifests (0600), plus etcd.yaml when
//   stacked + static-pod, or etcd.service (0644) when stacked + systemd;
// etcd host (external): etcd.yaml or etcd.service;
// kubelet config.yaml (0644) for every host that runs a kubelet: control plane, workers, and etcd hosts that
//   run etcd as a static pod.
// Sorted by path.
FileSet renderHostManifests(const Cluster& c, const Host& h, const HostFacts& facts = {});

}  // namespace kforge
