// Everything from bootstrap/ one host gets, with kubeadm's paths and modes.
#include <algorithm>

#include "bootstrap/kubelet_flags.hpp"
#include "bootstrap/manifests.hpp"

namespace kforge {

namespace {
std::string manifestPath(const std::string& component) {
  return std::string(kManifestsDir) + "/" + component + ".yaml";
}
}  // namespace

FileSet renderHostManifests(const Cluster& c, const Host& h, const HostFacts& facts) {
  FileSet out;
  const bool controlPlane = h.role == Role::ControlPlane;
  const bool etcdMember = c.isEtcdMember(h);
  bool runsKubelet = controlPlane || h.role == Role::Worker;

  if (controlPlane) {
    out.push_back({manifestPath("kube-apiserver"), 0600, renderApiServerManifest(c, h, facts)});
    out.push_back({manifestPath("kube-controller-manager"), 0600, renderControllerManagerManifest(c, h, facts)});
    out.push_back({manifestPath("kube-scheduler"), 0600, renderSchedulerManifest(c, h)});
  }
  if (etcdMember) {
    if (c.etcd.runAs == EtcdRunAs::StaticPod) {
      out.push_back({manifestPath("etcd"), 0600, renderEtcdManifest(c, h)});
      runsKubelet = true;
    } else {
      out.push_back({kEtcdUnitPath, 0644, renderEtcdSystemdUnit(c, h)});
    }
  }
  if (runsKubelet) {
    out.push_back({kKubeletConfigPath, 0644, renderKubeletConfig(c, facts)});
    out.push_back({kKubeletFlagsEnvPath, 0644, renderKubeletFlagsEnv(c, h, facts.criSocket)});
    if (usesNodeLocalCriSocket(c.kubernetesVersion))
      out.push_back({kKubeletInstanceConfigPath, 0644, renderKubeletInstanceConfig(facts.criSocket)});
  }

  std::sort(out.begin(), out.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return out;
}

}  // namespace kforge
