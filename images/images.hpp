// Container image references for a cluster, as `kubeadm config images list` prints them
// (reference/kubeadm.md §7): <repository>/<name>:<tag>, in kubeadm's order.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/inventory.hpp"
#include "core/version.hpp"

namespace kforge {

inline constexpr const char* kDefaultImageRepository = "registry.k8s.io";

struct ImageListOptions {
  std::string repository = kDefaultImageRepository;
  std::string etcdTag;       // override of the catalog's etcd tag; empty = catalog default
  bool includeEtcd = true;   // false for external etcd (kubeadm lists etcd only for local etcd)
};

// The tag of the Kubernetes component images for a version string: '+' becomes '_' (OCI tags cannot
// contain '+'), e.g. "v1.31.2" → "v1.31.2".
std::string kubernetesImageTag(std::string_view version);

// kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, coredns, pause, etcd.
// Throws kforge::Error (InvalidInput) for versions outside the catalog.
std::vector<std::string> imageList(const Version& kubernetes, const ImageListOptions& opts = {});
// For an inventory: its version, images.repository, etcd.imageTag, and etcd omitted for external etcd.
std::vector<std::string> imageList(const Cluster& c);

// Single references, for manifests. component: kube-apiserver | kube-controller-manager | kube-scheduler |
// kube-proxy.
std::string kubernetesImage(const Cluster& c, const std::string& component);
std::string corednsImage(const Version& kubernetes, const std::string& repository);
std::string pauseImage(const Version& kubernetes, const std::string& repository);
// The etcd tag the cluster runs: etcd.imageTag when set, else the catalog default.
std::string etcdImageTag(const Cluster& c);
std::string etcdImage(const Cluster& c);

}  // namespace kforge
