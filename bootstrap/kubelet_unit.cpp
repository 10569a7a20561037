// The kubelet systemd unit kforge writes (/etc/systemd/system/kubelet.service), as Kubespray and k0s do:
// kubeadm leaves the unit to the kubelet package and adds flags in a drop-in; kforge owns the whole unit so the
// flags (node name, node IP, kubeconfig) are in one reviewed file. ExecStart uses the kubelet the facts found.
#include "bootstrap/kubelet_unit.hpp"

#include "bootstrap/kubelet_flags.hpp"
#include "bootstrap/systemd_arg.hpp"

namespace kforge {

std::string renderKubeletUnit(const Cluster& c, const Host& h, const std::string& kubeletPath) {
  // systemd quoting, not shell quoting: systemd expands % and $ even inside quotes. kubeletPath comes from the host.
  std::string exec = systemdArg(kubeletPath.empty() ? "/usr/bin/kubelet" : kubeletPath);
  exec += " --config=/var/lib/kubelet/config.yaml";
  bool standalone = h.role == Role::Etcd;  // etcd hosts run only their static pod, no API server
  if (!standalone) exec += " --kubeconfig=/etc/kubernetes/kubelet.conf";
  // The node's own flags (node name, node IP, CRI endpoint before 1.34) come from kubeadm-flags.env, as with
  // kubeadm's 10-kubeadm.conf drop-in ($VAR unbraced: systemd splits it into words).
  exec += " $" + std::string(kKubeletEnvVar);
  (void)c;
  return "# Written by kforge. Changes are overwritten by the next kforge apply.\n"
         "[Unit]\n"
         "Description=kubelet: The Kubernetes Node Agent\n"
         "Documentation=https://kubernetes.io/docs/\n"
         "Wants=network-online.target\n"
         "After=network-online.target\n"
         "\n"
         "[Service]\n"
         "EnvironmentFile=-" + std::string(kKubeletFlagsEnvPath) + "\n"
         "ExecStart=" + exec + "\n"
         "Restart=always\n"
         "RestartSec=10\n"
         "\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

}  // namespace kforge
