#include "tests/tools/kubeadm_diff/inventory_gen.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/version.hpp"

namespace kforge::kubeadmdiff {

uint64_t mixSeed(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Rng::Rng(uint64_t seed) {
  for (auto& s : s_) s = seed = mixSeed(seed);
}

uint64_t Rng::next() {  // xoshiro256**
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  uint64_t result = rotl(s_[1] * 5, 7) * 9;
  uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

int Rng::below(int n) { return n <= 0 ? 0 : static_cast<int>(next() % static_cast<uint64_t>(n)); }
int Rng::range(int lo, int hi) { return lo + below(hi - lo + 1); }
bool Rng::chance(int percent) { return below(100) < percent; }

namespace {

const std::vector<std::string> kWords = {"alpha", "bravo", "delta", "echo", "lima", "nova", "orion", "pluto", "terra", "vega"};

std::string q(const std::string& s) { return "\"" + s + "\""; }

struct Net {
  bool v6 = false;
  std::string serviceSubnet, podSubnet;
  std::set<std::string> used;  // addresses handed out
  Rng* rng = nullptr;

  std::string address() {  // outside both subnets (hosts and VIPs live in 172.16.0.0/12 or fd00:1::/64)
    for (;;) {
      std::string a;
      if (v6) {
        std::ostringstream o;
        o << "fd00:1::" << std::hex << rng->range(0x10, 0xfffe);
        a = o.str();
      } else {
        a = "172." + std::to_string(rng->range(16, 31)) + "." + std::to_string(rng->range(0, 255)) + "." +
            std::to_string(rng->range(1, 254));
      }
      if (used.insert(a).second) return a;
    }
  }
};

std::string dnsName(Rng& r, const std::string& cluster) {
  switch (r.below(4)) {
    case 0: return "api." + cluster + ".example.com";
    case 1: return r.pick(kWords) + "-" + std::to_string(r.range(1, 99)) + ".k8s.example.net";
    case 2: return "*." + r.pick(kWords) + ".example.org";
    default: return r.pick(kWords) + ".internal";
  }
}

std::string sanList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + q(v[i]);
  return out + "]";
}

// extraArgs: each component's pool of realistic flags; some override kubeadm's defaults or move what kubeadm
// derives from them (probe hosts and ports, the flex-volume mount).
using ArgPool = std::vector<std::pair<std::string, std::vector<std::string>>>;

const ArgPool kApiServerArgs = {
    {"audit-log-maxage", {"30", "7"}},
    {"audit-log-path", {"/var/log/kubernetes/audit.log"}},
    {"authorization-mode", {"Node,RBAC", "RBAC,Node"}},
    {"enable-admission-plugins", {"NodeRestriction,PodSecurity", "NodeRestriction,AlwaysPullImages"}},
    {"service-node-port-range", {"30000-32767", "20000-22767"}},
    {"profiling", {"false"}},
    {"event-ttl", {"2h0m0s"}},
    {"default-not-ready-toleration-seconds", {"60"}},
    {"max-requests-inflight", {"800"}},
    {"kubelet-preferred-address-types", {"InternalIP,Hostname"}},
};
const ArgPool kControllerManagerArgs = {
    {"node-monitor-grace-period", {"40s", "20s"}},
    {"bind-address", {"0.0.0.0", "127.0.0.1"}},
    {"terminated-pod-gc-threshold", {"100"}},
    {"flex-volume-plugin-dir", {"/opt/libexec/kubernetes/kubelet-plugins/volume/exec"}},
    {"profiling", {"false"}},
    {"cluster-signing-duration", {"720h0m0s"}},
    {"concurrent-deployment-syncs", {"10"}},
};
const ArgPool kSchedulerArgs = {
    {"bind-address", {"0.0.0.0", "127.0.0.1"}},
    {"profiling", {"false"}},
    {"leader-elect-lease-duration", {"30s"}},
};
const ArgPool kEtcdArgs = {
    {"quota-backend-bytes", {"8589934592"}},
    {"heartbeat-interval", {"250"}},
    {"election-timeout", {"2500"}},
    {"auto-compaction-retention", {"8"}},
    {"snapshot-count", {"5000"}},
    {"listen-metrics-urls", {"http://127.0.0.1:2382", "http://0.0.0.0:2381"}},
    {"log-level", {"warn"}},
};

void extraArgs(Rng& r, const ArgPool& pool, int max, const std::string& indent, std::ostringstream& o,
               const std::set<std::string>& skip = {}) {
  int n = r.range(0, max);
  std::map<std::string, std::string> chosen;
  for (int i = 0; i < n; ++i) {
    const auto& [name, values] = r.pick(pool);
    if (skip.count(name)) continue;
    chosen[name] = r.pick(values);
  }
  if (chosen.empty()) return;
  o << indent << "extraArgs:\n";
  for (const auto& [k, v] : chosen) o << indent << "  " << k << ": " << q(v) << "\n";
}

}  // namespace

GeneratedCase generateCase(uint64_t seed, const std::vector<std::string>& releases,
                           const std::vector<std::string>& catalog) {
  Rng r(seed);
  GeneratedCase gc;
  gc.seed = seed;
  gc.kubeadmRelease = r.pick(releases);
  auto rel = *Version::parse(gc.kubeadmRelease);
  // Versions this kubeadm accepts (its minor and the one before) that kforge's catalog has, not newer than itself.
  std::vector<std::string> same, older;
  for (const auto& s : catalog) {
    auto v = *Version::parse(s);
    if (v.major != rel.major || v > rel) continue;
    if (v.minor == rel.minor) same.push_back(s);
    else if (v.minor == rel.minor - 1) older.push_back(s);
  }
  std::string version = (!older.empty() && r.chance(20)) ? r.pick(older) : r.pick(same);

  std::string cluster = r.pick(kWords) + "-" + std::to_string(r.range(1, 999));
  Net net;
  net.rng = &r;
  net.v6 = r.chance(15);
  if (net.v6) {
    net.serviceSubnet = r.pick(std::vector<std::string>{"fd00:10:96::/112", "fd00:10:96::/108", "fd00:96::/120"});
    net.podSubnet = r.chance(10) ? "" : r.pick(std::vector<std::string>{"fd00:10:244::/56", "fd00:244::/64"});
  } else {
    switch (r.below(4)) {
      case 0: net.serviceSubnet = "10.96.0.0/12"; break;
      case 1: net.serviceSubnet = "10." + std::to_string(r.range(96, 127)) + ".0.0/16"; break;
      case 2: net.serviceSubnet = "10.100." + std::to_string(16 * r.range(0, 15)) + ".0/20"; break;
      default: net.serviceSubnet = "192.168." + std::to_string(r.range(0, 255)) + ".0/24"; break;
    }
    if (r.chance(10)) net.podSubnet = "";
    else if (r.chance(50)) net.podSubnet = "10.244.0.0/16";
    else net.podSubnet = "10." + std::to_string(r.range(128, 250)) + ".0.0/16";
  }

  const bool external = r.chance(35);
  const bool systemd = r.chance(40);
  int cps = r.pick(std::vector<int>{1, 1, 2, 3, 3});
  int etcds = external ? r.pick(std::vector<int>{1, 3, 3, 2}) : 0;
  int workers = r.range(0, 3);
  // RSA keys cost ~100x an ECDSA key on both sides: a few small RSA clusters here, the rest of RSA in the
  // topology matrix and the example inventories.
  const std::string alg = r.chance(95) ? "ecdsa-p256" : "rsa-2048";
  if (alg != "ecdsa-p256") {
    cps = 1;
    etcds = std::min(etcds, 1);
    workers = std::min(workers, 1);
  }
  const int bindPort = r.chance(80) ? 6443 : r.pick(std::vector<int>{8443, 443, 16443});

  std::ostringstream o;
  o << "# generated by tests/tools/kubeadm_diff (seed " << seed << ", judged by kubeadm " << gc.kubeadmRelease << ")\n";
  o << "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: " << cluster << "\nspec:\n";
  o << "  kubernetesVersion: " << version << "\n";
  // kubeadm joins a second control plane only with a controlPlaneEndpoint: set one whenever there are two or more.
  if (cps > 1 || r.chance(50)) {
    std::string host = r.chance(50) ? dnsName(r, cluster) : net.address();
    if (host[0] == '*') host = "api." + cluster + ".example.com";
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    int port = r.chance(70) ? bindPort : r.pick(std::vector<int>{6443, 443, 8443});
    o << "  controlPlaneEndpoint: " << q(r.chance(15) && port == bindPort ? host : host + ":" + std::to_string(port))
      << "\n";
  }
  if (r.chance(25)) o << "  clusterName: " << r.pick(kWords) << "-cluster\n";
  o << "  networking:\n    podSubnet: " << q(net.podSubnet) << "\n    serviceSubnet: " << q(net.serviceSubnet) << "\n";
  if (r.chance(40)) o << "    dnsDomain: " << r.pick(kWords) << "." << r.pick(std::vector<std::string>{"local", "internal", "example"}) << "\n";

  o << "  etcd:\n    topology: " << (external ? "external" : "stacked") << "\n    runAs: " << (systemd ? "systemd" : "static-pod") << "\n";
  if (r.chance(25)) o << "    dataDir: " << r.pick(std::vector<std::string>{"/data/etcd", "/srv/etcd-" + cluster, "/var/lib/etcd-data"}) << "\n";
  if (r.chance(35)) {
    std::vector<std::string> s;
    for (int i = r.range(1, 3); i > 0; --i) s.push_back(r.chance(50) ? dnsName(r, cluster) : net.address());
    o << "    serverCertSANs: " << sanList(s) << "\n";
  }
  if (r.chance(25)) {
    std::vector<std::string> s;
    for (int i = r.range(1, 2); i > 0; --i) s.push_back(r.chance(50) ? dnsName(r, cluster) : net.address());
    o << "    peerCertSANs: " << sanList(s) << "\n";
  }
  extraArgs(r, kEtcdArgs, 3, "    ", o);
  if (!systemd && r.chance(8)) o << "    imageTag: " << q(r.pick(std::vector<std::string>{"3.6.8-0", "3.6.6-0", "3.5.24-0"})) << "\n";

  o << "  apiServer:\n    bindPort: " << bindPort << "\n";
  if (r.chance(60)) {
    std::vector<std::string> s;
    for (int i = r.range(1, 4); i > 0; --i) s.push_back(r.chance(55) ? dnsName(r, cluster) : net.address());
    o << "    certSANs: " << sanList(s) << "\n";
  }
  extraArgs(r, kApiServerArgs, 3, "    ", o);
  {
    std::ostringstream cm, sch;
    extraArgs(r, kControllerManagerArgs, 3, "    ", cm);
    extraArgs(r, kSchedulerArgs, 2, "    ", sch);
    if (!cm.str().empty()) o << "  controllerManager:\n" << cm.str();
    if (!sch.str().empty()) o << "  scheduler:\n" << sch.str();
  }
  {
    int certDays = r.chance(60) ? 365 : r.range(31, 3650);
    int caDays = r.chance(60) ? 3650 : r.range(certDays, 36500);
    if (caDays < certDays) caDays = certDays;
    o << "  pki:\n    keyAlgorithm: " << alg << "\n    certValidityDays: " << certDays << "\n    caValidityDays: " << caDays
      << "\n";
  }
  if (r.chance(25))
    o << "  images:\n    repository: " << r.pick(std::vector<std::string>{"registry.example.test/k8s", "registry.example.test:5000/mirror"}) << "\n";

  o << "  nodePools:\n";
  auto pools = [&](const std::string& role, int hosts, const std::string& prefix) {
    int nPools = hosts > 1 && r.chance(30) ? 2 : 1;
    int h = 0;
    for (int p = 0; p < nPools && h < hosts; ++p) {
      o << "    - name: " << prefix << "-pool" << p << "\n      role: " << role << "\n";
      if (r.chance(30)) o << "      labels: {" << "example.com/" << r.pick(kWords) << ": " << q(r.pick(kWords)) << "}\n";
      if (r.chance(20)) o << "      taints: []\n";
      else if (r.chance(15)) o << "      taints: [{key: dedicated, value: " << r.pick(kWords) << ", effect: NoSchedule}]\n";
      o << "      hosts:\n";
      int take = p == nPools - 1 ? hosts - h : r.range(1, hosts - h - 1);
      for (int i = 0; i < take; ++i, ++h) {
        std::string name = prefix + std::to_string(h + 1);
        if (r.chance(20)) name = r.pick(kWords) + "-" + name;
        o << "        - {name: " << name << ", address: " << q(net.address()) << "}\n";
      }
    }
  };
  pools("control-plane", cps, "cp");
  if (external) pools("etcd", etcds, "etcd");
  if (workers > 0) pools("worker", workers, "w");

  gc.inventoryYaml = o.str();
  gc.proxyEnv = r.chance(8);
  if (gc.proxyEnv)  // spec.proxy before nodePools (the draws stay in their order: the same seeds, the same cases)
    gc.inventoryYaml.insert(gc.inventoryYaml.find("  nodePools:\n"), std::string("  proxy: {httpProxy: '") + kProxyHttp +
                                                                     "', httpsProxy: '" + kProxyHttps + "', noProxy: '" +
                                                                     kNoProxy + "'}\n");
  gc.kubeadmOwnCas = r.chance(12);
  gc.summary = version + " " + (external ? "external" : "stacked") + "/" + (systemd ? "systemd" : "static-pod") + " " +
               std::to_string(cps) + "cp+" + std::to_string(etcds) + "etcd+" + std::to_string(workers) + "w " + alg +
               (net.v6 ? " ipv6" : "") + (gc.proxyEnv ? " proxy-env" : "") + (gc.kubeadmOwnCas ? " kubeadm-CAs" : "");
  return gc;
}

}  // namespace kforge::kubeadmdiff
