// etcd static pod for a local (kforge-managed) member (kubeadm: ka/phases/etcd/local.go getEtcdCommand).
#include <algorithm>

#include "bootstrap/manifests.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "core/version.hpp"
#include "images/images.hpp"

namespace kforge {

namespace {

std::string loopback(const Host& h) { return isIPv6(h.address) ? "::1" : "127.0.0.1"; }

// Where kubeadm points the etcd probes: the first listen-metrics-urls URL (extraArgs may move it),
// default http://127.0.0.1:2381 (kubeadm: GetEtcdProbeEndpoint).
HttpProbe metricsEndpoint(const Cluster& c, const Host& h) {
  HttpProbe p{loopback(h), "", 2381, "HTTP"};
  auto it = c.etcd.extraArgs.find("listen-metrics-urls");
  if (it == c.etcd.extraArgs.end()) return p;
  std::string url = it->second.substr(0, it->second.find(','));
  auto sep = url.find("://");
  if (sep == std::string::npos) return p;
  if (url.substr(0, sep) == "https") p.scheme = "HTTPS";
  std::string hostPort = url.substr(sep + 3);
  hostPort = hostPort.substr(0, hostPort.find('/'));
  std::string host;
  int port = 0;
  if (splitHostPort(hostPort, host, port)) {
    if (!host.empty()) p.host = host;
    if (port != 0) p.port = port;
  }
  return p;
}

}  // namespace

bool etcdAtLeast36(const Cluster& c) {
  const std::string tag = etcdImageTag(c);
  // Image tags look like "3.5.15-0" (etcd version, '-', image revision); accept a leading 'v'.
  auto v = Version::parse(tag);
  if (!v)
    throw Error("etcd image tag \"" + tag + "\" is not an etcd version (expected e.g. 3.5.15-0)", ExitCode::InvalidInput);
  return v->major > 3 || (v->major == 3 && v->minor >= 6);
}

std::string etcdInitialCluster(const Cluster& c, size_t upTo) {
  std::string out;
  auto hosts = c.etcdHosts();
  for (size_t i = 0; i <= upTo && i < hosts.size(); ++i) {
    if (!out.empty()) out += ",";
    out += hosts[i]->name + "=" + urlFor("https", hosts[i]->address, 2380);
  }
  return out;
}

Flags etcdFlags(const Cluster& c, const Host& h, const std::string& initialCluster,
                const std::string& initialClusterState) {
  const std::string etcdPki = std::string(kPkiDir) + "/etcd";
  const std::string clientUrl = urlFor("https", h.address, 2379);
  const std::string peerUrl = urlFor("https", h.address, 2380);
  Flags f = {
      {"advertise-client-urls", clientUrl},
      {"cert-file", etcdPki + "/server.crt"},
      {"client-cert-auth", "true"},
      {"data-dir", c.etcd.dataDir},
      {"initial-advertise-peer-urls", peerUrl},
      {"initial-cluster", initialCluster},
      {"key-file", etcdPki + "/server.key"},
      {"listen-client-urls", urlFor("https", loopback(h), 2379) + "," + clientUrl},
      {"listen-metrics-urls", urlFor("http", loopback(h), 2381)},
      {"listen-peer-urls", peerUrl},
      {"name", h.name},
      {"peer-cert-file", etcdPki + "/peer.crt"},
      {"peer-client-cert-auth", "true"},
      {"peer-key-file", etcdPki + "/peer.key"},
      {"peer-trusted-ca-file", etcdPki + "/ca.crt"},
      {"snapshot-count", "10000"},
      {"trusted-ca-file", etcdPki + "/ca.crt"},
  };
  if (etcdAtLeast36(c)) {
    f["feature-gates"] = "InitialCorruptCheck=true";
    f["watch-progress-notify-interval"] = "5s";
  } else {
    f["experimental-initial-corrupt-check"] = "true";
    f["experimental-watch-progress-notify-interval"] = "5s";
  }
  if (!initialClusterState.empty() && initialClusterState != "new") f["initial-cluster-state"] = initialClusterState;
  return mergeFlags(std::move(f), c.etcd.extraArgs);
}

std::string renderEtcdManifest(const Cluster& c, const Host& h, const std::string& initialCluster,
                               const std::string& initialClusterState) {
  StaticPodSpec s;
  s.name = "etcd";
  s.image = etcdImage(c);
  s.annotations["kubeadm.kubernetes.io/etcd.advertise-client-urls"] = urlFor("https", h.address, 2379);
  s.command = commandLine("etcd", etcdFlags(c, h, initialCluster, initialClusterState), c.etcd.extraArgs,
                          c.kubernetesVersion);
  HttpProbe ep = metricsEndpoint(c, h);
  const bool livezReadyz = c.kubernetesVersion >= Version{1, 31, 0, ""};
  if (livezReadyz) {
    // kubeadm 1.31+: etcd's /livez and /readyz (etcd ≥ 3.5.11), plus a readiness probe.
    HttpProbe live = ep, ready = ep;
    live.path = "/livez";
    ready.path = "/readyz";
    s.liveness = live;
    s.readiness = ready;
    s.startup = ready;
  } else {
    HttpProbe live = ep, start = ep;
    live.path = "/health?exclude=NOSPACE&serializable=true";
    start.path = "/health?serializable=false";
    s.liveness = live;
    s.startup = start;
  }
  s.requests = {{"cpu", "100m"}, {"memory", "100Mi"}};
  const std::string certs = std::string(kPkiDir) + "/etcd";
  s.mounts = {{"etcd-data", c.etcd.dataDir, c.etcd.dataDir, "DirectoryOrCreate", false},
              {"etcd-certs", certs, certs, "DirectoryOrCreate", false}};
  s.sortMounts = false;  // kubeadm lists etcd's mounts as etcd-data, etcd-certs (its volumes are sorted)
  setRelease(s, c.kubernetesVersion);
  return renderStaticPod(s);
}

std::pair<std::string, std::string> etcdInstallForm(const Cluster& c, const Host& h) {
  auto members = c.etcdHosts();
  size_t index = 0;
  while (index < members.size() && members[index]->name != h.name) ++index;
  return {etcdInitialCluster(c, index), index == 0 ? "new" : "existing"};
}

std::string renderEtcdManifest(const Cluster& c, const Host& h) {
  auto [initialCluster, state] = etcdInstallForm(c, h);
  return renderEtcdManifest(c, h, initialCluster, state);
}

}  // namespace kforge
