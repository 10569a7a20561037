#include "bootstrap/preflight.hpp"

#include "bootstrap/expected_files.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <iostream>

namespace kforge {

std::string PreflightFinding::str() const {
  return std::string(error ? (ignored ? "[WARNING " : "[ERROR ") : "[WARNING ") + name + "]: " + host + ": " + message +
         (ignored ? " (ignored)" : "");
}

bool preflightFailed(const std::vector<PreflightFinding>& findings) {
  return std::any_of(findings.begin(), findings.end(), [](const auto& f) { return f.error && !f.ignored; });
}

std::vector<PreflightFinding> preflightHost(const Cluster& c, const Host& h, const NodeFacts& f,
                                            const std::set<std::string>& ignore) {
  std::vector<PreflightFinding> out;
  auto add = [&](const std::string& name, const std::string& msg, bool error = true) {
    PreflightFinding p{h.name, name, msg, error, false};
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    p.ignored = ignore.count("all") || ignore.count(lower) || ignore.count(name);
    out.push_back(p);
  };
  bool controlPlane = h.role == Role::ControlPlane;
  bool etcdMember = c.isEtcdMember(h);
  bool kubelet = runsKubelet(c, h);
  auto has = [&](const std::string& path) { return f.files.count(path) > 0; };

  if (!f.root) add("IsPrivilegedUser", "user is not running as root (and sudo -n did not make it root)");
  if (controlPlane && f.cpus < 2)
    add("NumCPU", "the number of available CPUs " + std::to_string(f.cpus) + " is less than the required 2");
  if (controlPlane && f.memoryMiB < 1700)
    add("Mem", "the system RAM (" + std::to_string(f.memoryMiB) + " MB) is less than the minimum 1700 MB");
  if (f.swapKiB > 0) add("Swap", "running with swap on is not supported; turn it off (swapoff -a) or set failSwapOn: false");
  if (h.role != Role::Etcd && f.ipForward != 1)
    add("FileContent--proc-sys-net-ipv4-ip_forward", "/proc/sys/net/ipv4/ip_forward contents are not set to 1");

  // Ports: each belongs to a component; already running it (its manifest/unit is there) is not a conflict.
  struct PortCheck {
    int port;
    bool wanted;
    std::string ownerFile;
  };
  std::string mf = "/etc/kubernetes/manifests/";
  bool etcdAsUnit = c.etcd.runAs == EtcdRunAs::Systemd;
  std::string etcdOwner = etcdAsUnit ? "/etc/systemd/system/etcd.service" : mf + "etcd.yaml";
  std::vector<PortCheck> ports = {{c.apiServer.bindPort, controlPlane, mf + "kube-apiserver.yaml"},
                                  {10259, controlPlane, mf + "kube-scheduler.yaml"},
                                  {10257, controlPlane, mf + "kube-controller-manager.yaml"},
                                  {10250, kubelet, "/var/lib/kubelet/config.yaml"},
                                  {2379, etcdMember, etcdOwner},
                                  {2380, etcdMember, etcdOwner}};
  for (const auto& p : ports)
    if (p.wanted && !has(p.ownerFile) && f.listening(p.port, h.address))
      add("Port-" + std::to_string(p.port), "Port " + std::to_string(p.port) + " is in use");
  if (etcdMember && !has(etcdOwner) && !f.etcdDataDirEmpty)
    add("DirAvailable--var-lib-etcd", c.etcd.dataDir + " is not empty (and this host runs no etcd of kforge's); move it aside first");

  if (kubelet) {
    if (f.criSocket.empty())
      add("CRI", "container runtime is not running: no CRI socket at /run/containerd/containerd.sock, "
                 "/var/run/crio/crio.sock or /var/run/cri-dockerd.sock");
    for (const char* b : {"ip", "iptables", "mount", "nsenter"})
      if (!f.binaries.count(b)) add(std::string("FileExisting-") + b, std::string(b) + " not found in system path");
    for (const char* b : {"ebtables", "ethtool", "socat", "tc", "touch"})
      if (!f.binaries.count(b)) add(std::string("FileExisting-") + b, std::string(b) + " not found in system path", false);
    if (f.kubeletPath.empty()) {
      add("KubeletVersion", "kubelet is not installed (no kubelet in PATH)");
    } else if (auto kv = Version::parse(f.kubeletVersion)) {
      const Version& cp = c.kubernetesVersion;
      if (*kv > cp && !(kv->major == cp.major && kv->minor == cp.minor))
        add("KubeletVersion", "the kubelet version " + kv->str() + " is newer than the control plane version " + cp.str());
      else if (kv->major == cp.major && cp.minor - kv->minor > 3)
        add("KubeletVersion", "the kubelet version " + kv->str() + " is more than 3 minors older than the control plane " + cp.str());
    } else {
      add("KubeletVersion", "cannot tell the kubelet's version (`kubelet --version` printed \"" + f.kubeletVersion + "\")");
    }
  }
  if (!f.hostname.empty() && f.hostname != h.name)
    add("Hostname", "hostname \"" + f.hostname + "\" differs from the inventory name \"" + h.name +
                        "\"; kforge uses the inventory name as the node name (--hostname-override)",
        false);
  return out;
}

void stopOnPreflightErrors(const std::vector<PreflightFinding>& findings) {
  for (const auto& f : findings) std::cerr << f.str() << "\n";
  if (preflightFailed(findings))
    throw Error("preflight found errors; nothing was changed (fix them, or --ignore-preflight-errors=NAME,... to go on)",
                ExitCode::Preflight);
}

}  // namespace kforge
