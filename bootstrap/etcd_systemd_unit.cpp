// etcd as an on-host systemd service (etcd runAs: systemd). Same flags as the static pod; the binary is the
// host's /usr/bin/etcd. Not a kubeadm artifact — kubeadm only runs etcd as a static pod.
#include "bootstrap/manifests.hpp"
#include "bootstrap/systemd_arg.hpp"

namespace kforge {

std::string renderEtcdSystemdUnit(const Cluster& c, const Host& h, const std::string& initialCluster,
                                  const std::string& initialClusterState) {
  std::string exec = "ExecStart=/usr/bin/etcd";
  for (const auto& [name, value] : etcdFlags(c, h, initialCluster, initialClusterState))
    exec += " \\\n  " + systemdArg("--" + name + "=" + value);
  return "# Written by kforge. etcd member " + h.name + " of cluster " + c.name + ".\n"
         "[Unit]\n"
         "Description=etcd key-value store (member " + h.name + ")\n"
         "Documentation=https://etcd.io/docs/\n"
         "After=network-online.target\n"
         "Wants=network-online.target\n"
         "\n"
         "[Service]\n"
         "Type=notify\n" +
         exec +
         "\n"
         "Restart=always\n"
         "RestartSec=5s\n"
         "TimeoutStartSec=0\n"
         "LimitNOFILE=65536\n"
         "Nice=-10\n"
         "IOSchedulingClass=best-effort\n"
         "IOSchedulingPriority=0\n"
         "\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

std::string renderEtcdSystemdUnit(const Cluster& c, const Host& h) {
  auto [initialCluster, state] = etcdInstallForm(c, h);
  return renderEtcdSystemdUnit(c, h, initialCluster, state);
}

}  // namespace kforge
