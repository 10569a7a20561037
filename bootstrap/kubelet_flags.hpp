#pragma once
#include <string>

#include "core/inventory.hpp"
#include "core/version.hpp"

namespace kforge {

inline constexpr const char* kKubeletFlagsEnvPath = "/var/lib/kubelet/kubeadm-flags.env";
inline constexpr const char* kKubeletInstanceConfigPath = "/var/lib/kubelet/instance-config.yaml";
inline constexpr const char* kKubeletEnvVar = "KUBELET_KUBEADM_ARGS";
inline constexpr const char* kCriSocketAnnotation = "kubeadm.alpha.kubernetes.io/cri-socket";

// True from 1.34: the CRI endpoint lives in instance-config.yaml / config.yaml, not in a flag or annotation.
bool usesNodeLocalCriSocket(const Version& k);
// "unix:///run/containerd/containerd.sock" from a detected socket path ("" = kubeadm's default, containerd).
std::string criEndpoint(const std::string& criSocket);
// kubeadm-flags.env (0644 in kubeadm; read by the kubelet unit's EnvironmentFile=).
std::string renderKubeletFlagsEnv(const Cluster& c, const Host& h, const std::string& criSocket);
// instance-config.yaml (1.34+).
std::string renderKubeletInstanceConfig(const std::string& criSocket);

}  // namespace kforge
