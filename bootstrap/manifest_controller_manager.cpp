// kube-controller-manager static pod (kubeadm: ka/phases/controlplane/manifests.go getControllerManagerCommand).
#include "bootstrap/manifests.hpp"
#include "images/images.hpp"

namespace kforge {

namespace {
constexpr const char* kKubeconfig = "/etc/kubernetes/controller-manager.conf";
constexpr const char* kFlexVolumeDir = "/usr/libexec/kubernetes/kubelet-plugins/volume/exec";

// kubeadm probes the address the component binds to; an unspecified bind address means "the host's IP",
// which kubeadm expresses by leaving the probe host empty.
std::string probeHost(const std::map<std::string, std::string>& extraArgs) {
  auto it = extraArgs.find("bind-address");
  if (it == extraArgs.end()) return "127.0.0.1";
  if (it->second == "0.0.0.0" || it->second == "::") return "";
  return it->second;
}
}  // namespace

Flags controllerManagerFlags(const Cluster& c) {
  const std::string pki = kPkiDir;
  Flags f = {
      {"authentication-kubeconfig", kKubeconfig},
      {"authorization-kubeconfig", kKubeconfig},
      {"bind-address", "127.0.0.1"},
      {"client-ca-file", pki + "/ca.crt"},
      {"cluster-signing-cert-file", pki + "/ca.crt"},
      {"cluster-signing-key-file", pki + "/ca.key"},
      {"controllers", "*,bootstrapsigner,tokencleaner"},
      {"kubeconfig", kKubeconfig},
      {"leader-elect", "true"},
      {"requestheader-client-ca-file", pki + "/front-proxy-ca.crt"},
      {"root-ca-file", pki + "/ca.crt"},
      {"service-account-private-key-file", pki + "/sa.key"},
      {"use-service-account-credentials", "true"},
  };
  if (!c.networking.podSubnet.empty()) {
    f["allocate-node-cidrs"] = "true";
    f["cluster-cidr"] = c.networking.podSubnet;
    if (!c.networking.serviceSubnet.empty()) f["service-cluster-ip-range"] = c.networking.serviceSubnet;
  }
  if (!c.clusterName.empty()) f["cluster-name"] = c.clusterName;
  return mergeFlags(std::move(f), c.controllerManager.extraArgs);
}

std::string renderControllerManagerManifest(const Cluster& c, const Host& h, const HostFacts& facts) {
  StaticPodSpec s;
  s.name = "kube-controller-manager";
  s.image = kubernetesImage(c, s.name);
  const Flags flags = controllerManagerFlags(c);
  s.command = commandLine(s.name, flags, c.controllerManager.extraArgs, c.kubernetesVersion);
  const std::string host = probeHost(c.controllerManager.extraArgs);
  s.liveness = HttpProbe{host, "/healthz", 10257, "HTTPS"};
  s.startup = HttpProbe{host, "/healthz", 10257, "HTTPS"};
  s.requests = {{"cpu", "200m"}};
  s.mounts = caCertMounts(facts.presentCaCertDirs);
  s.mounts.push_back({"k8s-certs", kPkiDir, kPkiDir, "DirectoryOrCreate", true});
  s.mounts.push_back({"kubeconfig", kKubeconfig, kKubeconfig, "FileOrCreate", true});
  if (c.kubernetesVersion < Version{1, 36, 0, ""}) {  // kubeadm 1.36 no longer mounts the flex-volume directory
    auto flex = flags.find("flex-volume-plugin-dir");
    const std::string flexDir = flex != flags.end() ? flex->second : kFlexVolumeDir;
    s.mounts.push_back({"flexvolume-dir", flexDir, flexDir, "DirectoryOrCreate", false});
  }
  setRelease(s, c.kubernetesVersion);
  s.env = c.proxy.env();  // kubeadm: its own *_PROXY environment (spec.proxy)
  return renderStaticPod(s);
}

}  // namespace kforge
