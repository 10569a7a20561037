#include "bootstrap/static_pod.hpp"

#include <algorithm>

#include "core/net.hpp"
#include "core/yaml_writer.hpp"

namespace kforge {

Flags mergeFlags(Flags defaults, const std::map<std::string, std::string>& extraArgs) {
  for (const auto& [name, value] : extraArgs) defaults[name] = value;
  return defaults;
}

std::vector<std::string> commandLine(const std::string& binary, const Flags& flags) {
  std::vector<std::string> out{binary};
  for (const auto& [name, value] : flags) out.push_back("--" + name + "=" + value);
  return out;
}

bool extraArgsAfterDefaults(const Version& k) {
  if (k.major != 1) return k.major > 1;
  switch (k.minor) {
    case 33: return k.patch >= 8;
    case 34: return k.patch >= 4;
    case 35: return k.patch >= 1;
    default: return k.minor > 35;
  }
}

std::vector<std::string> commandLine(const std::string& binary, const Flags& merged,
                                     const std::map<std::string, std::string>& extraArgs, const Version& k) {
  if (!extraArgsAfterDefaults(k)) return commandLine(binary, merged);
  std::vector<std::string> out{binary};
  for (const auto& [name, value] : merged)
    if (!extraArgs.count(name)) out.push_back("--" + name + "=" + value);
  for (const auto& [name, value] : extraArgs) out.push_back("--" + name + "=" + value);
  return out;
}

namespace {

constexpr const char* kProbePortName = "probe-port";  // kubeadmconstants.ProbePort

yaml::Node probeNode(const HttpProbe& p, int initialDelay, int timeout, int failure, int period, bool namedPort) {
  yaml::Node n = yaml::Node::map();
  n["failureThreshold"] = failure;
  yaml::Node& get = n["httpGet"];
  if (!p.host.empty()) get["host"] = p.host;  // empty: the pod's (host's) IP, as kubeadm for 0.0.0.0
  get["path"] = p.path;
  if (namedPort) get["port"] = kProbePortName;
  else get["port"] = p.port;
  get["scheme"] = p.scheme;
  if (initialDelay > 0) n["initialDelaySeconds"] = initialDelay;  // Go omits zero values
  n["periodSeconds"] = period;
  n["timeoutSeconds"] = timeout;
  return n;
}

}  // namespace

void setRelease(StaticPodSpec& s, const Version& k) {
  const bool from134 = k >= Version{1, 34, 0, ""};
  s.namedProbePort = from134;
  s.creationTimestampNull = !from134;
}

std::string renderStaticPod(const StaticPodSpec& s) {
  yaml::Node pod = yaml::Node::map();
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";

  yaml::Node& meta = pod["metadata"];
  if (!s.annotations.empty()) {
    yaml::Node& ann = meta["annotations"];
    for (const auto& [k, v] : s.annotations) ann[k] = v;
  }
  if (s.creationTimestampNull) meta["creationTimestamp"] = yaml::Node::null();  // kubeadm before 1.34
  meta["labels"]["component"] = s.name;
  meta["labels"]["tier"] = "control-plane";
  meta["name"] = s.name;
  meta["namespace"] = "kube-system";

  yaml::Node& spec = pod["spec"];
  yaml::Node c = yaml::Node::map();
  c["command"] = yaml::Node::seqOf(s.command);
  for (const auto& [name, value] : s.env) {
    yaml::Node e = yaml::Node::map();
    e["name"] = name;
    e["value"] = value;
    c["env"].push(std::move(e));
  }
  c["image"] = s.image;
  c["imagePullPolicy"] = "IfNotPresent";
  const bool named = s.namedProbePort;
  if (s.liveness) c["livenessProbe"] = probeNode(*s.liveness, 10, 15, 8, 10, named);
  c["name"] = s.name;
  if (named && s.liveness) {
    yaml::Node port = yaml::Node::map();
    port["containerPort"] = s.liveness->port;
    port["name"] = kProbePortName;
    port["protocol"] = "TCP";
    c["ports"].push(std::move(port));
  }
  if (s.readiness) c["readinessProbe"] = probeNode(*s.readiness, 0, 15, 3, 1, named);
  yaml::Node& req = c["resources"]["requests"];
  req = yaml::Node::map();
  for (const auto& [k, v] : s.requests) req[k] = v;
  if (s.startup) c["startupProbe"] = probeNode(*s.startup, 10, 15, 24, 10, named);

  std::vector<HostPathMount> mounts = s.mounts;
  if (s.sortMounts)
    std::stable_sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  yaml::Node vm = yaml::Node::seq();
  for (const auto& m : mounts) {
    yaml::Node e = yaml::Node::map();
    e["mountPath"] = m.mountPath;
    e["name"] = m.name;
    if (m.readOnly) e["readOnly"] = true;
    vm.push(std::move(e));
  }
  c["volumeMounts"] = std::move(vm);
  spec["containers"].push(std::move(c));

  spec["hostNetwork"] = true;
  spec["priority"] = 2000001000;
  spec["priorityClassName"] = "system-node-critical";
  spec["securityContext"]["seccompProfile"]["type"] = "RuntimeDefault";

  std::vector<HostPathMount> vols = s.mounts;
  std::stable_sort(vols.begin(), vols.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  yaml::Node vs = yaml::Node::seq();
  for (const auto& m : vols) {
    yaml::Node e = yaml::Node::map();
    e["hostPath"]["path"] = m.hostPath;
    e["hostPath"]["type"] = m.type;
    e["name"] = m.name;
    vs.push(std::move(e));
  }
  spec["volumes"] = std::move(vs);
  pod["status"] = yaml::Node::map();
  return yaml::write(pod);
}

const std::vector<std::string>& optionalCaCertDirs() {
  static const std::vector<std::string> dirs = {"/etc/pki/ca-trust", "/etc/pki/tls/certs", "/etc/ca-certificates",
                                                "/usr/share/ca-certificates", "/usr/local/share/ca-certificates"};
  return dirs;
}

std::vector<HostPathMount> caCertMounts(const std::set<std::string>& presentDirs) {
  std::vector<HostPathMount> out;
  out.push_back({"ca-certs", "/etc/ssl/certs", "/etc/ssl/certs", "DirectoryOrCreate", true});
  for (const auto& dir : optionalCaCertDirs()) {
    if (!presentDirs.count(dir)) continue;
    std::string name = dir;
    std::replace(name.begin(), name.end(), '/', '-');
    if (!name.empty() && name[0] == '-') name.erase(0, 1);
    out.push_back({name, dir, dir, "DirectoryOrCreate", true});
  }
  return out;
}

bool isIPv6(const std::string& address) {
  auto ip = IpAddr::parse(address);
  return ip && ip->v6;
}

std::string urlFor(const std::string& scheme, const std::string& host, int port) {
  return scheme + "://" + joinHostPort(host, port);
}

std::string componentOfManifest(const std::string& manifestPath) {
  std::string base = manifestPath.substr(manifestPath.rfind('/') + 1);
  if (auto dot = base.rfind('.'); dot != std::string::npos) base = base.substr(0, dot);
  return base;
}

std::string waitStaticPodsGoneScript() {
  return "gone=0\n"
         "for i in $(seq 1 480); do\n"
         "  if ! pgrep -x 'etcd|kube-apiserver|kube-controller|kube-scheduler' >/dev/null 2>&1; then gone=1; break; fi\n"
         "  sleep 0.25\n"
         "done\n";
}

}  // namespace kforge
