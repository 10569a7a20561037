#include "upgrade/gate.hpp"

#include <sys/statvfs.h>

#include <ctime>
#include <filesystem>
#include <sstream>

#include "bootstrap/etcd_access.hpp"
#include "core/fs.hpp"
#include "pki/expiration.hpp"
#include "upgrade/version_policy.hpp"

namespace kforge::upgrade {

namespace {

void add(std::vector<GateFinding>& out, const GateOptions& o, std::string check, std::string host, std::string msg,
         bool blocking = true) {
  if (o.ignore.count(check) || o.ignore.count("all")) blocking = false;
  out.push_back({std::move(check), std::move(host), std::move(msg), blocking});
}

void checkEtcd(const Cluster& c, const ClusterState& s, const GateOptions& o, std::vector<GateFinding>& out) {
  int healthy = 0;
  for (const Host* h : c.etcdHosts()) {
    auto it = s.etcd.find(h->name);
    if (it == s.etcd.end()) {
      auto e = s.etcdErrors.find(h->name);
      add(out, o, "etcd", h->name, "etcd member does not answer: " + (e == s.etcdErrors.end() ? "" : e->second));
      continue;
    }
    const auto& st = it->second;
    if (!st.errors.empty()) {
      add(out, o, "etcd", h->name, "etcd member reports: " + st.errors.front());
      continue;
    }
    if (st.leader == 0) {
      add(out, o, "etcd", h->name, "etcd member has no leader");
      continue;
    }
    if (st.isLearner) {
      add(out, o, "etcd", h->name, "etcd member is still a learner (finish `kforge apply` first)");
      continue;
    }
    ++healthy;
  }
  int members = static_cast<int>(s.base.members.size());
  int quorum = members / 2 + 1;
  if (members == 1)
    add(out, o, "etcd", "", "a single etcd member: the API is unavailable while it restarts (add members to avoid this)",
        false);
  else if (healthy - 1 < quorum)
    add(out, o, "etcd", "",
        std::to_string(healthy) + " of " + std::to_string(members) + " etcd members healthy: restarting one would lose quorum (" +
            std::to_string(quorum) + " needed)");
}

void checkControlPlane(const Cluster& c, const ClusterState& s, const GateOptions& o, std::vector<GateFinding>& out) {
  for (const Host* h : c.controlPlaneHosts()) {
    bool held = o.heldDown.count(h->name) > 0;
    auto finding = [&](const std::string& msg) {
      if (held)
        add(out, o, "control-plane", h->name, msg + " (held down by an interrupted kforge run: this run puts it back first)", false);
      else
        add(out, o, "control-plane", h->name, msg);
    };
    auto it = s.base.apiReady.find(h->name);
    if (it == s.base.apiReady.end() || !it->second) finding("kube-apiserver /readyz does not answer ok");
    for (const char* comp : {"kube-apiserver", "kube-controller-manager", "kube-scheduler"}) {
      const MirrorPod* m = s.mirror(h->name, comp);
      if (!m)
        finding(std::string(comp) + ": no mirror pod (is the kubelet running?)");
      else if (!m->ready)
        finding(std::string(comp) + " is not Ready");
    }
  }
}

void checkSkew(const Cluster& target, const ClusterState& s, const GateOptions& o, std::vector<GateFinding>& out) {
  auto oldest = s.oldestApiServer();
  if (!oldest) {
    add(out, o, "kubelet-skew", "", "no kube-apiserver mirror pod found: the API servers' versions are unknown");
    return;
  }
  std::vector<KubeletVersion> kubelets;
  for (const auto& [name, n] : s.nodes) {
    auto v = Version::parse(n.kubeletVersion);
    if (!v) {
      add(out, o, "kubelet-skew", name, "kubelet version '" + n.kubeletVersion + "' is not a version");
      continue;
    }
    kubelets.push_back({name, *v});
  }
  for (const auto& f : kubeletSkewFindings(kubelets, *oldest, target.kubernetesVersion)) {
    auto colon = f.find(':');
    add(out, o, "kubelet-skew", colon == std::string::npos ? "" : f.substr(0, colon), f);
  }
}

void checkCertificates(const Cluster& c, const GateOptions& o, std::vector<GateFinding>& out) {
  std::time_t now = std::time(nullptr);
  for (const Host* h : c.hosts()) {
    if (!std::filesystem::is_directory(o.stateDir + "/hosts/" + h->name)) continue;
    auto info = pki::checkExpiration(pki::NodeLayout::stateHost(o.stateDir, h->name));
    for (const auto& e : info.certificates) {
      if (e.missing || e.externallyManaged) continue;
      long days = static_cast<long>((e.expires - now) / 86400);
      if (days <= c.pki.renewBeforeDays)
        add(out, o, "certificates", h->name,
            e.name + " expires in " + std::to_string(days) + " days: this run re-issues and pushes it", false);
    }
  }
}

// A budget that allows no disruption even with every pod healthy (minAvailable = all, maxUnavailable 0) blocks any
// drain for good: named before anything is cordoned. One that allows none only because some of its pods are not
// healthy right now (a pod being replaced — e.g. after a run killed mid-drain) is a note: the drain waits for it
// within drainTimeout and names it if it stays at 0.
void checkPdbs(const ClusterState& s, const GateOptions& o, std::vector<GateFinding>& out) {
  for (const auto& pdb : s.pdbs) {
    const auto& st = pdb.value("status", nlohmann::json::object());
    const int expected = st.value("expectedPods", 0), desired = st.value("desiredHealthy", 0),
              healthy = st.value("currentHealthy", 0);
    if (st.value("disruptionsAllowed", 0) > 0 || expected == 0) continue;
    std::string name = pdb["metadata"].value("namespace", "") + "/" + pdb["metadata"].value("name", "");
    std::string counts = std::to_string(healthy) + " of " + std::to_string(expected) + " pods healthy, " +
                         std::to_string(desired) + " desired";
    if (desired >= expected)
      add(out, o, "pdb", "",
          "PodDisruptionBudget " + name + " allows 0 disruptions (" + counts + "): draining a node with its pods would block");
    else
      add(out, o, "pdb", "",
          "PodDisruptionBudget " + name + " allows 0 disruptions right now (" + counts +
              "): it allows one once its pods are healthy; the drain waits for that (drainTimeout)",
          false);
  }
}

void checkBackupSpace(const ClusterState& s, const GateOptions& o, std::vector<GateFinding>& out) {
  int64_t db = 0;
  for (const auto& [h, st] : s.etcd) db = std::max(db, st.dbSize);
  std::string dir = o.backupDir;
  std::error_code ec;
  while (!dir.empty() && dir != "/" && !std::filesystem::is_directory(dir, ec)) dir = dirName(dir);
  struct statvfs v {};
  if (dir.empty() || statvfs(dir.c_str(), &v) != 0) {
    add(out, o, "backup-space", "", "cannot read the free space of " + o.backupDir);
    return;
  }
  uint64_t free = static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
  uint64_t need = static_cast<uint64_t>(db) * static_cast<uint64_t>(o.riskySteps + 1) + (64ull << 20);
  if (free < need)
    add(out, o, "backup-space", "",
        o.backupDir + " has " + std::to_string(free >> 20) + " MiB free; " + std::to_string(o.riskySteps) +
            " backups of a " + std::to_string(db >> 20) + " MiB database need " + std::to_string(need >> 20) + " MiB");
}

void checkCorefile(const ClusterState& s, const GateOptions& o, std::vector<GateFinding>& out) {
  if (s.corefile.empty()) return;
  for (const auto& p : corefilePlugins(s.corefile))
    if (!knownCorednsPlugins().count(p))
      add(out, o, "coredns", "",
          "the Corefile uses plugin '" + p + "', unknown to the target's CoreDNS (--allow-unknown-corefile-plugins to go on)",
          !o.allowUnknownCorefilePlugins);
}

}  // namespace

std::set<std::string> corefilePlugins(const std::string& corefile) {
  std::set<std::string> out;
  std::istringstream in(corefile);
  std::string line;
  int depth = 0;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line = line.substr(0, hash);
    std::istringstream words(line);
    std::string first;
    words >> first;
    // Directives are the first words of lines directly inside a server block (depth 1); deeper lines are
    // the plugins' own options.
    if (!first.empty() && depth == 1 && first != "}") out.insert(first);
    for (char ch : line) {
      if (ch == '{') ++depth;
      if (ch == '}') --depth;
    }
  }
  return out;
}

const std::set<std::string>& knownCorednsPlugins() {
  static const std::set<std::string> k = {
      "acl", "any", "auto", "autopath", "bind", "bufsize", "cache", "cancel", "chaos", "debug", "dns64", "dnssec",
      "dnstap", "erratic", "errors", "etcd", "file", "forward", "geoip", "grpc", "grpc_server", "header", "health",
      "hosts", "https", "import", "k8s_external", "kubernetes", "loadbalance", "local", "log", "loop", "metadata",
      "minimal", "multisocket", "nsid", "pprof", "prometheus", "quic", "ready", "reload", "rewrite", "root", "route53",
      "secondary", "sign", "template", "timeouts", "tls", "trace", "transfer", "tsig", "view", "whoami"};
  return k;
}

std::vector<GateFinding> runGate(const Cluster& target, const ClusterState& state, const GateOptions& o) {
  std::vector<GateFinding> out;
  checkEtcd(target, state, o, out);
  checkControlPlane(target, state, o, out);
  checkSkew(target, state, o, out);
  checkCertificates(target, o, out);
  checkPdbs(state, o, out);
  checkBackupSpace(state, o, out);
  checkCorefile(state, o, out);
  return out;
}

}  // namespace kforge::upgrade
