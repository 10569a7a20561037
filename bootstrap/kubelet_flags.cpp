// /var/lib/kubelet/kubeadm-flags.env and /var/lib/kubelet/instance-config.yaml, as kubeadm's kubelet-start phase
// writes them (ka/phases/kubelet/flags.go, config.go) for the release:
// - kubeadm-flags.env: KUBELET_KUBEADM_ARGS="..." with the node's own flags. kubeadm adds --hostname-override
//   only when the node name differs from the hostname; kforge always passes it (inventory names are the node
//   names, whatever the hosts are called) and --node-ip (the inventory address: kubeadm users set it through
//   kubeletExtraArgs on multi-homed hosts; kforge always knows it).
// - The CRI socket: before 1.34 kubeadm passes --container-runtime-endpoint in kubeadm-flags.env and records
//   the socket in the Node annotation kubeadm.alpha.kubernetes.io/cri-socket; from 1.34 (feature
//   NodeLocalCRISocket, beta on by default in 1.34, GA and locked in 1.36) it writes instance-config.yaml with
//   containerRuntimeEndpoint, patches that into config.yaml, and sets no annotation (its upgrade removes it).
#include "bootstrap/kubelet_flags.hpp"

#include "core/error.hpp"

namespace kforge {

bool usesNodeLocalCriSocket(const Version& k) { return k >= Version{1, 34, 0, ""}; }

std::string criEndpoint(const std::string& criSocket) {
  if (criSocket.empty()) return "unix:///run/containerd/containerd.sock";  // kubeadm's DefaultCRISocket
  if (criSocket.rfind("unix://", 0) == 0) return criSocket;
  return "unix://" + criSocket;
}

std::string renderKubeletFlagsEnv(const Cluster& c, const Host& h, const std::string& criSocket) {
  std::string args;
  if (!usesNodeLocalCriSocket(c.kubernetesVersion)) args += "--container-runtime-endpoint=" + criEndpoint(criSocket) + " ";
  args += "--hostname-override=" + h.name + " --node-ip=" + h.address;
  // kubeadm writes KEY=%q (a Go-quoted string); names and addresses are validated (RFC 1123, IP), so no
  // character here needs escaping. Refuse rather than write a file systemd would read differently.
  for (char ch : args)
    if (ch == '"' || ch == '\\' || ch == '$' || ch == '\n')
      throw Error("kubelet flag value for host " + h.name + " contains a character kubeadm-flags.env cannot hold",
                  ExitCode::InvalidInput);
  return std::string(kKubeletEnvVar) + "=\"" + args + "\"\n";
}

std::string renderKubeletInstanceConfig(const std::string& criSocket) {
  return "containerRuntimeEndpoint: \"" + criEndpoint(criSocket) + "\"\n";
}

}  // namespace kforge
