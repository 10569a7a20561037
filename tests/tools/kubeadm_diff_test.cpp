// Differential rendering: kubeadm is the judge (issue 9, docs/kubeadm-compat.md).
//
// For each pinned release (tests/upstream/releases) and each case — the example inventories, a small matrix of
// topologies × key algorithms, and seeded random inventories (tests/tools/kubeadm_diff/inventory_gen) — the test
//   1. runs `kforge render` (state dir + bundle),
//   2. gives the real kubeadm of the release the equivalent configuration for each compared host
//      (tests/tools/kubeadm_diff/kubeadm_config), with kforge's CAs, and lets it write certificates, kubeconfigs,
//      static-pod manifests and the kubelet files: `kubeadm init --dry-run --rootfs <tmp>` with
//      KUBEADM_INIT_DRYRUN_DIR, so kubeadm is chrooted into a temporary directory and cannot touch this machine's
//      /etc/kubernetes or /var/lib/kubelet, in an empty network namespace (`unshare --net`: its dry run dials the
//      endpoint; nothing may leave the machine) and its own hostname (`unshare --uts`),
//   3. normalises both sides (tests/tools/kubeadm_diff/normalize) and compares them field by field, and the
//      cluster's API objects (kubeadm-config, kubelet-config, cluster-info, RBAC, CoreDNS, kube-proxy) that
//      kubeadm's dry run prints against kforge's addonObjects().
// Every difference must be listed in tests/tools/fixtures/kubeadm-compat-known.txt (explained in
// docs/kubeadm-compat.md); an unlisted one fails the test naming the case, its seed, the host, file and field.
//
// Environment: KFORGE_KUBEADM_DIFF_SEED (run seed, default 1), KFORGE_KUBEADM_DIFF_CASES (generated cases,
// default 200), KFORGE_KUBEADM_DIFF_CASE_SEED (run just that generated case), KFORGE_KUBEADM_DIFF_JOBS (parallel
// cases, default: the number of cores), KFORGE_KUBEADM_DIFF_KEEP=1 (keep the case directories).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "bootstrap/addons.hpp"
#include "core/base64.hpp"
#include "core/inventory.hpp"
#include "core/version_catalog.hpp"
#include "tests/pinned_releases.hpp"
#include "tests/tools/kubeadm_diff/allow_list.hpp"
#include "tests/tools/kubeadm_diff/inventory_gen.hpp"
#include "tests/tools/kubeadm_diff/kubeadm_config.hpp"
#include "tests/tools/kubeadm_diff/normalize.hpp"
#include "tests/tools/tool_util.hpp"

namespace fs = std::filesystem;
using namespace kforge;
using namespace kforge::kubeadmdiff;
using kforge::testing::kforgeBinary;
using kforge::testing::run;
using kforge::testing::shq;
using kforge::testing::sourceDir;

namespace {

struct Case {
  std::string name;
  uint64_t seed = 0;     // generated cases only
  std::string release;   // the kubeadm that judges
  std::string inventoryYaml;
  bool proxyEnv = false;
  bool kubeadmOwnCas = false;
  bool allHosts = false;  // compare every host (else one per role, plus the second etcd member)
  // Slow keys (RSA-3072/4096): kubeadm issues only the apiserver certificate and admin.conf, and only what it
  // wrote is compared.
  bool partial = false;
  std::string summary;
};

struct CaseResult {
  std::vector<Difference> diffs;
  std::string error;
  double seconds = 0;
  int hosts = 0, files = 0, fields = 0, objects = 0;
};

std::string readFile(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string& p, const std::string& content) {
  fs::create_directories(fs::path(p).parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

std::string env(const char* name, const std::string& dflt = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : dflt;
}

struct Side {
  std::map<std::string, std::string> files;  // node path → content
  std::map<std::string, unsigned> modes;
};

void readTree(const std::string& root, const std::string& prefix, Side& side,
              const std::function<std::string(const std::string&)>& mapPath) {
  if (!fs::is_directory(root)) return;
  for (auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::string rel = e.path().string().substr(root.size());
    std::string node = mapPath(prefix + rel);
    if (node.empty()) continue;
    side.files[node] = readFile(e.path().string());
    struct stat st{};
    ::stat(e.path().c_str(), &st);
    side.modes[node] = st.st_mode & 07777;
  }
}

// kubeadm's dry-run directory is flat: put each file where it lives on a node.
std::string kubeadmNodePath(const std::string& rel) {
  std::string name = rel.substr(1);
  auto ends = [&](const char* s) { return name.size() >= strlen(s) && name.compare(name.size() - strlen(s), strlen(s), s) == 0; };
  if (ends(".crt") || ends(".key") || ends(".pub")) return "/etc/kubernetes/pki/" + name;
  if (name == "kubelet-user.conf") return "";  // handled by the worker case
  if (ends(".conf")) return "/etc/kubernetes/" + name;
  if (name == "kube-apiserver.yaml" || name == "kube-controller-manager.yaml" || name == "kube-scheduler.yaml" ||
      name == "etcd.yaml")
    return "/etc/kubernetes/manifests/" + name;
  if (name == "config.yaml" || name == "kubeadm-flags.env" || name == "instance-config.yaml") return "/var/lib/kubelet/" + name;
  return "/unknown/" + name;
}

std::string modeText(unsigned m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", m);
  return buf;
}

// --initial-cluster lists members in whatever order (kubeadm join: etcd's member list order): compare as a set.
void sortInitialCluster(FieldMap& m) {
  for (auto& [k, v] : m) {
    if (k.size() < 17 || k.compare(k.size() - 17, 17, "--initial-cluster") != 0) continue;
    std::vector<std::string> parts;
    std::stringstream s(v);
    std::string p;
    while (std::getline(s, p, ',')) parts.push_back(p);
    std::sort(parts.begin(), parts.end());
    v.clear();
    for (const auto& x : parts) v += (v.empty() ? "" : ",") + x;
  }
}

// The objects a kubeadm dry run prints ("[dryrun] Attached object:" then YAML up to the next "[" line), by
// kind/namespace/name.
std::map<std::string, YAML::Node> dryRunObjects(const std::string& log) {
  std::map<std::string, YAML::Node> out;
  std::istringstream in(log);
  std::string line, doc;
  bool inObj = false;
  auto flush = [&] {
    if (!inObj) return;
    inObj = false;
    YAML::Node n = YAML::Load(doc);
    doc.clear();
    if (!n.IsMap()) return;
    std::string key = n["kind"].Scalar() + "/" + (n["metadata"]["namespace"] ? n["metadata"]["namespace"].Scalar() : "") +
                      "/" + n["metadata"]["name"].Scalar();
    while (out.count(key)) key += "#";
    out[key] = n;
  };
  while (std::getline(in, line)) {
    if (line.rfind("[", 0) == 0) {
      flush();
      if (line.find("Attached object:") != std::string::npos) inObj = true;
      continue;
    }
    if (inObj) doc += line + "\n";
  }
  flush();
  return out;
}

bool isRfc3339(const std::string& s) {
  static const std::regex re(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))");
  return std::regex_match(s, re);
}

// An API object's fields: ConfigMap data that is YAML (ClusterConfiguration, KubeletConfiguration, kube-proxy's
// config.conf and kubeconfig.conf, cluster-info's kubeconfig) expanded; Secret data decoded; times masked.
FieldMap objectFields(const YAML::Node& obj, const std::map<std::string, std::string>& cas) {
  FieldMap out;
  flattenYaml(obj, "", out);
  FieldMap expanded;
  const std::string kind = obj["kind"] ? obj["kind"].Scalar() : "";
  for (auto it = out.begin(); it != out.end();) {
    const std::string& k = it->first;
    if (k.rfind("data.", 0) == 0 && kind == "Secret") {
      std::string v;
      if (base64Decode(it->second, v)) it->second = v;
    }
    if (k.rfind("data.", 0) == 0 && kind == "ConfigMap" && k != "data.Corefile") {
      try {
        YAML::Node inner = YAML::Load(it->second);
        if (inner.IsMap()) {
          FieldMap f = (k == "data.kubeconfig" || k == "data.kubeconfig.conf")
                           ? normalizeFile("/x/kubeconfig.conf", it->second, cas)
                           : FieldMap{};
          if (f.empty()) flattenYaml(inner, "", f);
          for (auto& [ik, iv] : f) expanded[k + ":" + ik] = iv;
          it = out.erase(it);
          continue;
        }
      } catch (...) {
      }
    }
    // What the API server fills in (the dry-run client prints it): not part of what kubeadm renders.
    if (k == "status" || k.rfind("status.", 0) == 0 || k == "metadata.resourceVersion") {
      it = out.erase(it);
      continue;
    }
    if (isRfc3339(it->second)) it->second = "<RFC 3339 time>";
    ++it;
  }
  out.insert(expanded.begin(), expanded.end());
  return out;
}

// Case directories live in memory when the machine has /dev/shm: kforge fsyncs every file it writes, which on
// a busy disk costs more than the whole comparison. KFORGE_KUBEADM_DIFF_TMP overrides.
std::string caseDir() {
  std::string base = env("KFORGE_KUBEADM_DIFF_TMP", fs::is_directory("/dev/shm") ? "/dev/shm" : env("TMPDIR", "/tmp"));
  std::string tmpl = base + "/kforge-kubeadm-diff-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp in " + base + " failed");
  return tmpl;
}

class Runner {
 public:
  Runner(const Case& c, std::vector<Difference>& sink) : c_(c), diffs_(sink) {}

  CaseResult run();

 private:
  struct Compared {
    Compared(const Host* h, NodeRole r, int e) : host(h), role(r), etcdIndex(e) {}
    const Host* host;
    NodeRole role;
    int etcdIndex = -1;  // index among the etcd members, -1 when not a member
    Side kforge, kubeadm;
    std::string kubeadmLog;
  };
  void diff(const Compared& h, const std::string& file, const FieldMap& ours, const FieldMap& theirs,
            CaseResult& r);
  void add(const Compared& h, const std::string& file, const std::string& field, const std::string& ours,
           const std::string& theirs);
  std::map<std::string, std::string> tags(const Compared& h) const;
  void cleanup() {
    if (env("KFORGE_KUBEADM_DIFF_KEEP").empty()) fs::remove_all(dir_);
    else std::cout << "[kubeadm-diff] kept " << c_.name << " in " << dir_ << "\n";
  }

  const Case& c_;
  std::vector<Difference>& diffs_;
  Cluster cluster_;
  std::string dir_;
  Window window_;
};

std::map<std::string, std::string> Runner::tags(const Compared& h) const {
  const Cluster& c = cluster_;
  auto rel = *Version::parse(c_.release);
  return {
      {"release", c_.release},
      {"version", c.kubernetesVersion.str()},
      {"topology", toString(c.etcd.topology)},
      {"runAs", toString(c.etcd.runAs)},
      {"alg", toString(c.pki.keyAlgorithm)},
      {"role", toString(h.role)},
      {"member", h.etcdIndex < 0 ? "none" : h.etcdIndex == 0 ? "first" : "join"},
      {"family", h.host && h.host->address.find(':') != std::string::npos ? "ipv6" : "ipv4"},
      {"skew", c.kubernetesVersion.minor == rel.minor ? "no" : "yes"},
      {"proxy", c_.proxyEnv ? "yes" : "no"},
      {"cas", c_.kubeadmOwnCas ? "kubeadm" : "kforge"},
      {"case", c_.name},
  };
}

void Runner::add(const Compared& h, const std::string& file, const std::string& field, const std::string& ours,
                 const std::string& theirs) {
  Difference d;
  d.caseName = c_.name;
  d.seed = c_.seed;
  d.host = h.host ? h.host->name : "(cluster)";
  d.file = file;
  d.field = field;
  d.kforge = ours;
  d.kubeadm = theirs;
  d.tags = tags(h);
  diffs_.push_back(std::move(d));
}

void Runner::diff(const Compared& h, const std::string& file, const FieldMap& ours, const FieldMap& theirs,
                  CaseResult& r) {
  for (const auto& [k, v] : ours) {
    ++r.fields;
    auto it = theirs.find(k);
    if (it == theirs.end()) add(h, file, k, v, "(absent)");
    else if (it->second != v) add(h, file, k, v, it->second);
  }
  for (const auto& [k, v] : theirs)
    if (!ours.count(k)) add(h, file, k, "(absent)", v);
}

CaseResult Runner::run() {
  CaseResult r;
  auto t0 = std::chrono::steady_clock::now();
  window_.t0 = std::time(nullptr);
  dir_ = caseDir();
  const std::string inv = dir_ + "/inventory.yaml";
  writeFile(inv, c_.inventoryYaml);
  auto rendered = kforge::testing::run(kforgeBinary() + " render -f " + shq(inv) + " --out " + shq(dir_ + "/render") +
                                       " --state-dir " + shq(dir_ + "/state"));
  if (rendered.exitCode != 0) {
    r.error = "kforge render failed (" + std::to_string(rendered.exitCode) + "): " + rendered.out;
    cleanup();
    return r;
  }
  try {
    cluster_ = loadInventory(inv);
  } catch (const std::exception& e) {
    r.error = std::string("loadInventory: ") + e.what();
    cleanup();
    return r;
  }
  const Cluster& c = cluster_;
  const std::string kubeadm = kforge::pinned::upstreamBin("kubeadm", c_.release);

  // Which hosts, as which kubeadm node.
  std::vector<Compared> hosts;
  auto etcdIndex = [&](const Host* h) {
    auto m = c.etcdHosts();
    for (size_t i = 0; i < m.size(); ++i)
      if (m[i]->name == h->name) return static_cast<int>(i);
    return -1;
  };
  auto cps = c.controlPlaneHosts();
  for (size_t i = 0; i < cps.size(); ++i)
    if (i < 2 || c_.allHosts) hosts.push_back({cps[i], i == 0 ? NodeRole::InitControlPlane : NodeRole::JoinControlPlane, etcdIndex(cps[i])});
  if (c.etcd.topology == EtcdTopology::External) {
    auto members = c.etcdHosts();
    for (size_t i = 0; i < members.size(); ++i)
      if (i < 2 || c_.allHosts) hosts.push_back({members[i], NodeRole::EtcdMember, static_cast<int>(i)});
  }
  auto workers = c.workerHosts();
  for (size_t i = 0; i < workers.size(); ++i)
    if (i < 1 || c_.allHosts) hosts.push_back({workers[i], NodeRole::Worker, -1});

  const bool systemdEtcd = c.etcd.runAs == EtcdRunAs::Systemd;
  for (auto& h : hosts) {
    const std::string root = dir_ + "/kubeadm/" + h.host->name;
    fs::create_directories(root + "/etc/kubernetes/pki/etcd");
    fs::create_directories(root + "/out");
    if (!c_.kubeadmOwnCas)
      for (const char* f : {"ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "etcd/ca.crt", "etcd/ca.key",
                            "sa.key", "sa.pub"})
        if (fs::exists(dir_ + "/state/pki/" + f))
          fs::copy_file(dir_ + "/state/pki/" + f, root + "/etc/kubernetes/pki/" + f);
    writeFile(root + "/kubeadm.yaml", kubeadmConfig(c, *h.host, h.role));
    // An empty network namespace: kubeadm's dry run still dials the endpoint and resolves names here and there;
    // nothing may leave this machine (design.md: tests target 127.0.0.0/8 only), and failing fast keeps it quick.
    // Its own UTS namespace too: kubeadm adds --hostname-override when the node name differs from the machine's
    // hostname (kforge always does), so the hostname is one no inventory uses.
    std::string envs =
        "unshare --net --uts -- sh -c 'hostname kforge-kubeadm-oracle && exec \"$0\" \"$@\"' env -i PATH=/usr/bin:/bin "
        "KUBEADM_INIT_DRYRUN_DIR=/out";
    if (c_.proxyEnv)
      envs += std::string(" HTTP_PROXY=") + kubeadmdiff::kProxyHttp + " HTTPS_PROXY=" + kubeadmdiff::kProxyHttps +
              " NO_PROXY=" + kubeadmdiff::kNoProxy;
    std::string skip = skipPhases(h.role, h.role == NodeRole::EtcdMember && h.etcdIndex == 0);
    if (c_.partial)
      skip = "preflight,certs/apiserver-kubelet-client,certs/front-proxy-client,certs/etcd-server,certs/etcd-peer,"
             "certs/etcd-healthcheck-client,certs/apiserver-etcd-client,certs/sa,kubeconfig/super-admin,kubeconfig/kubelet,"
             "kubeconfig/controller-manager,kubeconfig/scheduler,etcd,control-plane,kubelet-start,wait-control-plane,"
             "upload-config,upload-certs,mark-control-plane,bootstrap-token,kubelet-finalize,addon,show-join-command";
    std::string cmd = envs + " " + shq(kubeadm) + " init --rootfs " + shq(root) +
                      " --config /kubeadm.yaml --dry-run --skip-phases=" + skip + " > " +
                      shq(root + "/kubeadm.log") + " 2>&1";
    if (h.role == NodeRole::Worker) {
      // A joined worker's kubelet.conf points at the endpoint, and its client certificate is signed by the
      // controller-manager for --cluster-signing-duration (default 8760h).
      auto csd = c.controllerManager.extraArgs.find("cluster-signing-duration");
      if (c_.kubeadmOwnCas)  // `kubeconfig user` signs with the CA in certificatesDir: the one init just made
        cmd += " && cp " + shq(root + "/out/ca.crt") + " " + shq(root + "/out/ca.key") + " " +
               shq(root + "/etc/kubernetes/pki/");
      cmd += " && " + envs + " " + shq(kubeadm) + " kubeconfig user --rootfs " + shq(root) +
             " --config /kubeadm.yaml --validity-period " + (csd != c.controllerManager.extraArgs.end() ? csd->second : "8760h") +
             " --client-name system:node:" + h.host->name + " --org system:nodes > " +
             shq(root + "/out/kubelet-user.conf") + " 2>>" + shq(root + "/kubeadm.log");
    }
    auto k = kforge::testing::run(cmd);
    h.kubeadmLog = readFile(root + "/kubeadm.log");
    if (k.exitCode != 0) {
      r.error = "kubeadm " + c_.release + " failed for " + h.host->name + " (" + toString(h.role) + "): " + k.out +
                "\n" + h.kubeadmLog + "\nconfig:\n" + readFile(root + "/kubeadm.yaml");
      cleanup();
      return r;
    }
    readTree(root + "/out", "", h.kubeadm, kubeadmNodePath);
    if (h.role == NodeRole::Worker) {
      std::string kc = readFile(root + "/out/kubelet-user.conf");  // warnings may precede the document on stdout
      auto start = kc.find("apiVersion:");
      if (start != std::string::npos) kc = kc.substr(start);
      while (kc.size() > 1 && kc[kc.size() - 1] == '\n' && kc[kc.size() - 2] == '\n') kc.pop_back();  // printed + "\n"
      h.kubeadm.files["/etc/kubernetes/kubelet.conf"] = kc;
      h.kubeadm.modes["/etc/kubernetes/kubelet.conf"] = 0600;  // kubeadm writes kubeconfigs 0600
    }
    readTree(dir_ + "/render/" + h.host->name, "", h.kforge, [](const std::string& p) { return p; });

    // What kubeadm would have on such a node.
    auto drop = [&](const std::string& p) {
      h.kubeadm.files.erase(p);
      h.kubeadm.modes.erase(p);
    };
    if (h.role == NodeRole::Worker) drop("/etc/kubernetes/pki/ca.key");  // kubeadm join writes ca.crt only
    if (h.role == NodeRole::EtcdMember && systemdEtcd)
      for (const char* p : {"/var/lib/kubelet/config.yaml", "/var/lib/kubelet/kubeadm-flags.env", "/var/lib/kubelet/instance-config.yaml"})
        drop(p);
  }

  window_.t1 = std::time(nullptr);

  // External etcd: what kubeadm's guide has the user copy from the first etcd host to every control plane
  // (etcd.external.caFile/certFile/keyFile); the etcd hosts keep no apiserver-etcd-client.
  if (c.etcd.topology == EtcdTopology::External) {
    Compared* etcd0 = nullptr;
    for (auto& h : hosts)
      if (h.role == NodeRole::EtcdMember && h.etcdIndex == 0) etcd0 = &h;
    for (auto& h : hosts) {
      if (h.role != NodeRole::InitControlPlane && h.role != NodeRole::JoinControlPlane) continue;
      for (const char* p : {"/etc/kubernetes/pki/etcd/ca.crt", "/etc/kubernetes/pki/apiserver-etcd-client.crt",
                            "/etc/kubernetes/pki/apiserver-etcd-client.key"})
        if (etcd0 && etcd0->kubeadm.files.count(p)) {
          h.kubeadm.files[p] = etcd0->kubeadm.files[p];
          h.kubeadm.modes[p] = etcd0->kubeadm.modes[p];
        }
    }
    if (etcd0)
      for (const char* p : {"/etc/kubernetes/pki/apiserver-etcd-client.crt", "/etc/kubernetes/pki/apiserver-etcd-client.key"}) {
        etcd0->kubeadm.files.erase(p);
        etcd0->kubeadm.modes.erase(p);
      }
  }

  // Per host and file.
  std::map<std::string, FieldMap> etcdInitCluster;  // host → kubeadm's own --initial-cluster
  std::vector<std::pair<Compared*, std::map<std::string, std::pair<FieldMap, FieldMap>>>> normalized;
  for (auto& h : hosts) {
    std::map<std::string, std::pair<FieldMap, FieldMap>> files;
    std::set<std::string> all;
    for (const auto& [p, _] : h.kforge.files) all.insert(p);
    for (const auto& [p, _] : h.kubeadm.files) all.insert(p);
    for (const auto& p : all) {
      std::string theirsPath = p;
      if (p == "/etc/systemd/system/etcd.service") theirsPath = "/etc/kubernetes/manifests/etcd.yaml";
      if (p == "/etc/kubernetes/manifests/etcd.yaml" && systemdEtcd) continue;  // compared as the unit
      bool ours = h.kforge.files.count(p), theirs = h.kubeadm.files.count(theirsPath);
      if (c_.partial && !theirs) continue;
      if (!ours || !theirs) {
        add(h, p, "(file)", ours ? "present" : "(absent)", theirs ? "present" : "(absent)");
        continue;
      }
      FieldMap a = normalizeFile(p, h.kforge.files[p], h.kforge.files, window_);
      FieldMap b = normalizeFile(theirsPath, h.kubeadm.files[theirsPath], h.kubeadm.files, window_);
      if (theirsPath != p) {  // the unit's flags against the pod's command line
        FieldMap only;
        for (const auto& [k, v] : b)
          if (k.rfind("spec.containers[etcd].command", 0) == 0) only["command" + k.substr(29)] = v;
        b = only;
      }
      if (theirsPath == p) {  // a unit's mode is not a manifest's
        a["(mode)"] = modeText(h.kforge.modes[p]);
        b["(mode)"] = modeText(h.kubeadm.modes[theirsPath]);
      }
      sortInitialCluster(a);
      sortInitialCluster(b);
      files[p] = {a, b};
    }
    normalized.push_back({&h, files});
  }

  // kubeadm join's etcd form (phases/etcd/local.go getEtcdCommand with the member list): every member so far plus
  // itself, --initial-cluster-state=existing. `kubeadm join` needs a live cluster, so the expectation for member i
  // is built from kubeadm's own first-member values of members 0..i (each compared host's `init` output).
  std::map<int, std::string> selfEntry;
  for (auto& [h, files] : normalized) {
    if (h->etcdIndex < 0) continue;
    for (auto& [p, ab] : files)
      for (const auto& [k, v] : ab.second)
        if (k.size() >= 17 && k.compare(k.size() - 17, 17, "--initial-cluster") == 0) selfEntry[h->etcdIndex] = v;
  }
  for (auto& [h, files] : normalized) {
    if (h->etcdIndex <= 0) continue;
    for (auto& [p, ab] : files) {
      for (auto& [k, v] : ab.second) {
        if (k.size() < 17 || k.compare(k.size() - 17, 17, "--initial-cluster") != 0) continue;
        std::vector<std::string> members;
        bool complete = true;
        for (int i = 0; i <= h->etcdIndex; ++i) {
          if (!selfEntry.count(i)) complete = false;
          else members.push_back(selfEntry[i]);
        }
        if (!complete) continue;  // members before this one were not run: leave kubeadm's init form
        std::sort(members.begin(), members.end());
        v.clear();
        for (const auto& m : members) v += (v.empty() ? "" : ",") + m;
        ab.second[k.substr(0, k.size() - 17) + "--initial-cluster-state"] = "existing";
        break;
      }
    }
  }

  for (auto& [h, files] : normalized) {
    ++r.hosts;
    for (auto& [p, ab] : files) {
      ++r.files;
      size_t before = diffs_.size();
      diff(*h, p, ab.first, ab.second, r);
      // Layout: same fields, different text? Not for a unit (no kubeadm text) nor a joining etcd member's
      // manifest (its expectation is derived, above).
      const bool derived = h->etcdIndex > 0 && p == "/etc/kubernetes/manifests/etcd.yaml";
      if (diffs_.size() == before && !c_.kubeadmOwnCas && !derived) {
        std::string theirsPath = p == "/etc/systemd/system/etcd.service" ? "" : p;
        if (theirsPath.empty()) continue;
        std::string la = maskedLayout(p, h->kforge.files[p]), lb = maskedLayout(p, h->kubeadm.files[p]);
        if (la != lb) {
          std::istringstream sa(la), sb(lb);
          std::string x, y;
          int line = 0;
          for (;;) {
            ++line;
            bool ga = static_cast<bool>(std::getline(sa, x)), gb = static_cast<bool>(std::getline(sb, y));
            if (!ga) x = "(end)";
            if (!gb) y = "(end)";
            if (x != y || (!ga && !gb)) break;
          }
          add(*h, p, "(layout)", "line " + std::to_string(line) + ": " + x, "line " + std::to_string(line) + ": " + y);
        }
      }
    }
  }

  // The cluster's API objects: what `kubeadm init` uploads (printed by its dry run) against kforge's addonObjects().
  for (auto& [h, files] : normalized) {
    if (h->role != NodeRole::InitControlPlane || c_.partial) continue;
    auto theirs = dryRunObjects(h->kubeadmLog);
    AddonOptions opts;
    opts.caPem = readFile(dir_ + "/state/pki/ca.crt");
    opts.bootstrapToken = kBootstrapToken;
    opts.tokenExpires = std::chrono::system_clock::now() + std::chrono::hours(24);
    opts.tokenDescription = "kforge bootstrap token";
    std::map<std::string, YAML::Node> ours;
    for (const auto& o : addonObjects(c, opts)) {
      YAML::Node n = YAML::Load(o.dump());
      std::string key = o["kind"].get<std::string>() + "/" + o["metadata"].value("namespace", "") + "/" +
                        o["metadata"]["name"].get<std::string>();
      while (ours.count(key)) key += "#";
      ours[key] = n;
    }
    Compared cluster = *h;
    cluster.host = h->host;
    std::set<std::string> keys;
    for (const auto& [k, _] : ours) keys.insert(k);
    for (const auto& [k, _] : theirs) keys.insert(k);
    for (const auto& k : keys) {
      ++r.objects;
      const std::string file = "api:" + k;
      if (!ours.count(k) || !theirs.count(k)) {
        add(cluster, file, "(object)", ours.count(k) ? "present" : "(absent)", theirs.count(k) ? "present" : "(absent)");
        continue;
      }
      diff(cluster, file, objectFields(ours[k], {{"/etc/kubernetes/pki/ca.crt", opts.caPem}}),
           objectFields(theirs[k], {{"/etc/kubernetes/pki/ca.crt", h->kubeadm.files["/etc/kubernetes/pki/ca.crt"]}}), r);
    }
  }

  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  cleanup();
  return r;
}

// ---- the cases

std::vector<std::string> catalogVersions() {
  std::vector<std::string> out;
  for (const auto& range : versionCatalog())
    for (int p = range.from.patch; p <= range.to.patch; ++p) {
      Version v = range.from;
      v.patch = p;
      out.push_back(v.str());
    }
  return out;
}

std::vector<std::string> releaseNames() {
  std::vector<std::string> out;
  for (const auto& r : kforge::pinned::releases(sourceDir())) out.push_back(r.kubernetes);
  return out;
}

std::string withVersion(std::string yaml, const std::string& version) {
  static const std::regex re(R"((\n\s*kubernetesVersion:\s*)\S+)");
  return std::regex_replace(yaml, re, "$1" + version);
}

// One small cluster per topology × runAs × key algorithm.
std::string matrixInventory(const std::string& version, bool external, bool systemd, const std::string& alg,
                            bool secondControlPlane = true) {
  std::ostringstream o;
  o << "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: matrix}\nspec:\n"
    << "  kubernetesVersion: " << version << "\n  controlPlaneEndpoint: 10.1.0.10:6443\n"
    << "  etcd: {topology: " << (external ? "external" : "stacked") << ", runAs: " << (systemd ? "systemd" : "static-pod")
    << "}\n  pki: {keyAlgorithm: " << alg << "}\n  nodePools:\n"
    << "    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.1.0.11}"
    << (external || !secondControlPlane ? "" : ", {name: cp2, address: 10.1.0.12}") << "]}\n";
  if (external)
    o << "    - {name: etcd, role: etcd, hosts: [{name: etcd1, address: 10.1.0.31}, {name: etcd2, address: 10.1.0.32}]}\n";
  o << "    - {name: workers, role: worker, hosts: [{name: w1, address: 10.1.0.21}]}\n";
  return o.str();
}

std::vector<AllowEntry> allowList() {
  return loadAllowList(sourceDir() + "/tests/tools/fixtures/kubeadm-compat-known.txt");
}

// Runs the cases in parallel, then judges every difference against the allow-list.
void judge(const std::vector<Case>& cases, const std::string& title) {
  auto releases = kforge::pinned::releases(sourceDir());
  ASSERT_FALSE(releases.empty());
  for (const auto& r : releases)
    ASSERT_TRUE(fs::exists(kforge::pinned::upstreamBin("kubeadm", r.kubernetes)))
        << kforge::pinned::upstreamBin("kubeadm", r.kubernetes) << " is missing: run tests/upstream/build.sh";
  std::vector<AllowEntry> allowed;
  ASSERT_NO_THROW(allowed = allowList());
  {
    std::string doc = readFile(sourceDir() + "/docs/kubeadm-compat.md");
    for (const auto& e : allowed)
      EXPECT_NE(doc.find("`" + e.id + "`"), std::string::npos)
          << "allow-list id " << e.id << " (line " << e.line << ") is not explained in docs/kubeadm-compat.md";
  }
  auto hostSnapshot = [] {
    std::string s;
    for (const char* d : {"/etc/kubernetes", "/var/lib/kubelet"}) {
      std::error_code ec;
      for (auto it = fs::recursive_directory_iterator(d, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        s += it->path().string() + "\n";
    }
    return s;
  };
  const std::string before = hostSnapshot();

  const auto t0 = std::chrono::steady_clock::now();
  int jobs = std::max(1, std::atoi(env("KFORGE_KUBEADM_DIFF_JOBS", std::to_string(std::max(1u, std::thread::hardware_concurrency()))).c_str()));
  std::vector<CaseResult> results(cases.size());
  std::vector<std::vector<Difference>> diffs(cases.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (int j = 0; j < jobs; ++j)
    pool.emplace_back([&] {
      for (size_t i; (i = next++) < cases.size();) {
        try {
          results[i] = Runner(cases[i], diffs[i]).run();
        } catch (const std::exception& e) {
          results[i].error = e.what();
        }
      }
    });
  for (auto& t : pool) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  EXPECT_EQ(before, hostSnapshot()) << "this machine's /etc/kubernetes or /var/lib/kubelet changed during the test";

  int hosts = 0, files = 0, fields = 0, objects = 0, total = 0;
  std::map<std::string, int> perEntry;
  std::map<std::pair<std::string, std::string>, std::vector<const Difference*>> unlisted;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& r = results[i];
    EXPECT_TRUE(r.error.empty()) << "case " << cases[i].name << (cases[i].seed ? " (seed " + std::to_string(cases[i].seed) + ")" : "")
                                 << ", kubeadm " << cases[i].release << ": " << r.error << "\ninventory:\n" << cases[i].inventoryYaml;
    hosts += r.hosts;
    files += r.files;
    fields += r.fields;
    objects += r.objects;
    for (const auto& d : diffs[i]) {
      ++total;
      if (const AllowEntry* e = findAllowed(allowed, d)) ++perEntry[e->id];
      else unlisted[{d.file, d.field}].push_back(&d);
    }
  }
  std::cout << "[kubeadm-diff] " << title << ": " << cases.size() << " cases, " << hosts << " hosts, " << files
            << " files, " << objects << " API objects, " << fields << " fields compared in " << static_cast<int>(seconds)
            << " s (" << jobs << " jobs); " << total << " differences, " << total - [&] { int n = 0; for (auto& [k, v] : unlisted) n += static_cast<int>(v.size()); return n; }()
            << " known\n";
  for (const auto& [id, n] : perEntry) std::cout << "[kubeadm-diff]   known " << id << ": " << n << "\n";
  if (!env("KFORGE_KUBEADM_DIFF_TIMES").empty())
    for (size_t i = 0; i < cases.size(); ++i)
      std::cout << "[kubeadm-diff]   " << static_cast<int>(results[i].seconds) << " s " << cases[i].name
                << (cases[i].seed ? " seed " + std::to_string(cases[i].seed) : "") << " " << cases[i].summary << " (" << results[i].hosts << " hosts)\n";

  std::ostringstream report;
  for (const auto& [key, list] : unlisted) {
    report << "\n  " << key.first << "  " << key.second << "  (" << list.size() << " times)\n";
    for (size_t i = 0; i < list.size() && i < 3; ++i) {
      const Difference& d = *list[i];
      report << "    case " << d.caseName << (d.seed ? " seed " + std::to_string(d.seed) : "") << ", kubeadm "
             << d.tags.at("release") << ", " << d.tags.at("version") << ", host " << d.host << " (" << d.tags.at("role")
             << ")\n      kforge:  " << d.kforge << "\n      kubeadm: " << d.kubeadm << "\n";
    }
  }
  EXPECT_TRUE(unlisted.empty()) << unlisted.size()
                                << " kinds of difference from kubeadm are not in tests/tools/fixtures/kubeadm-compat-known.txt "
                                   "(fix kforge, or list them with their reason there and in docs/kubeadm-compat.md):"
                                << report.str();
}

TEST(KubeadmDiff, ExampleInventories) {
  std::vector<Case> cases;
  for (const auto& release : releaseNames())
    // inventories/testbed.yaml is left out: its loopback host addresses are the testbed's own device; kubeadm
    // replaces a loopback advertise address by an interface address ("unable to select an IP from lo").
    for (const char* name : {"single-node", "ha-stacked", "external-etcd"}) {
      Case c;
      c.name = std::string(name) + "@" + release;
      c.release = release;
      // The examples name older releases than the pinned kubeadm deploys: judged at the release's own version.
      c.inventoryYaml = withVersion(readFile(sourceDir() + "/inventories/" + name + ".yaml"), release);
      // Every host of an ECDSA inventory; one per role (and the second etcd member) when keys are RSA.
      c.allHosts = c.inventoryYaml.find("keyAlgorithm: ecdsa") != std::string::npos;
      cases.push_back(c);
    }
  judge(cases, "example inventories");
}

TEST(KubeadmDiff, TopologiesAndKeyAlgorithms) {
  std::vector<Case> cases;
  auto releases = releaseNames();
  for (size_t ri = 0; ri < releases.size(); ++ri) {
    const std::string& release = releases[ri];
    for (bool external : {false, true})
      for (bool systemd : {false, true})
        for (const char* alg : {"ecdsa-p256", "rsa-2048"}) {
          // RSA-2048 on two of the four topologies per release, the other two on the next release.
          if (std::string(alg) == "rsa-2048" && (external == systemd) != (ri % 2 == 0)) continue;
          Case c;
          c.name = std::string("matrix-") + (external ? "external" : "stacked") + "-" + (systemd ? "systemd" : "static-pod") +
                   "-" + alg + "@" + release;
          c.release = release;
          // RSA: one control plane (the joining one is covered with ECDSA and by the example inventories).
          c.inventoryYaml = matrixInventory(release, external, systemd, alg, std::string(alg) != "rsa-2048");
          c.allHosts = true;
          cases.push_back(c);
        }
    // The slow RSA sizes: one single-node cluster each, alternating between the releases.
    Case big;
    big.name = std::string("single-") + (ri % 2 == 0 ? "rsa-3072" : "rsa-4096") + "@" + release;
    big.release = release;
    big.inventoryYaml = "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: single}\nspec:\n  kubernetesVersion: " +
                        release + "\n  pki: {keyAlgorithm: " + (ri % 2 == 0 ? "rsa-3072" : "rsa-4096") +
                        "}\n  nodePools:\n    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.1.0.11}]}\n";
    big.partial = true;
    cases.push_back(big);
    Case own;  // kubeadm's own CAs: the CA certificates themselves are compared
    own.name = "kubeadm-own-cas@" + release;
    own.release = release;
    own.inventoryYaml = matrixInventory(release, false, false, "ecdsa-p256");
    own.kubeadmOwnCas = true;
    own.allHosts = true;
    cases.push_back(own);
  }
  judge(cases, "topologies x key algorithms");
}

TEST(KubeadmDiff, GeneratedInventories) {
  const uint64_t seed = std::strtoull(env("KFORGE_KUBEADM_DIFF_SEED", "1").c_str(), nullptr, 10);
  const int n = std::atoi(env("KFORGE_KUBEADM_DIFF_CASES", "200").c_str());
  const std::string only = env("KFORGE_KUBEADM_DIFF_CASE_SEED");
  auto releases = releaseNames();
  auto versions = catalogVersions();
  std::vector<Case> cases;
  auto make = [&](uint64_t caseSeed, int i) {
    GeneratedCase g = generateCase(caseSeed, releases, versions);
    Case c;
    c.name = "gen#" + std::to_string(i);
    c.seed = caseSeed;
    c.release = g.kubeadmRelease;
    c.inventoryYaml = g.inventoryYaml;
    c.proxyEnv = g.proxyEnv;
    c.kubeadmOwnCas = g.kubeadmOwnCas;
    c.summary = g.summary;
    cases.push_back(c);
  };
  if (!only.empty()) {
    make(std::strtoull(only.c_str(), nullptr, 10), 0);
    std::cout << "[kubeadm-diff] KFORGE_KUBEADM_DIFF_CASE_SEED=" << only << ": " << cases[0].summary << "\n";
  } else {
    std::cout << "[kubeadm-diff] KFORGE_KUBEADM_DIFF_SEED=" << seed << " KFORGE_KUBEADM_DIFF_CASES=" << n
              << " (set them to reproduce or explore)\n";
    for (int i = 0; i < n; ++i) make(mixSeed(seed * 1000003ULL + static_cast<uint64_t>(i)), i);
  }
  judge(cases, "generated inventories (seed " + (only.empty() ? std::to_string(seed) : "case " + only) + ")");
}

}  // namespace
