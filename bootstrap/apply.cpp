#include "bootstrap/apply.hpp"

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <ctime>
#include <thread>

#include "bootstrap/addons.hpp"
#include "bootstrap/api_probe.hpp"
#include "bootstrap/bastion_route.hpp"
#include "kube/client.hpp"
#include "kube/merge.hpp"
#include "kube/paths.hpp"
#include "bootstrap/bundle.hpp"
#include "bootstrap/cluster_admins.hpp"
#include "bootstrap/etcd_access.hpp"
#include "bootstrap/kubelet_flags.hpp"
#include "bootstrap/kubelet_unit.hpp"
#include "bootstrap/manifests.hpp"
#include "bootstrap/mark_control_plane.hpp"
#include "core/utc.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/net.hpp"
#include "core/sha256.hpp"
#include "etcdctl/backup.hpp"
#include "pki/kubeconfig.hpp"
#include "pki/store.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/sftp.hpp"
#include "ssh/shell.hpp"

namespace kforge {

namespace {

bool runsKubelet(const Cluster& c, const Host& h) { return !(h.role == Role::Etcd && c.etcd.runAs == EtcdRunAs::Systemd); }

bool isManifestOrEtcdUnit(const std::string& path) {
  return path.rfind("/etc/kubernetes/manifests/", 0) == 0 || path == kEtcdUnitPath;
}

// Seconds spent waiting for components to become healthy (reported as such: kforge's own time is the rest).
std::atomic<double> gWaitSeconds{0};

template <typename Pred>
void sleepUntil(std::chrono::seconds timeout, const std::string& what, Pred done) {
  auto start = std::chrono::steady_clock::now();
  struct Account {
    std::chrono::steady_clock::time_point t0;
    ~Account() {
      double d = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      gWaitSeconds.store(gWaitSeconds.load() + d);
    }
  } account{start};
  auto until = start + timeout;
  std::string last;
  while (true) {
    try {
      last = done();
      if (last.empty()) return;
    } catch (const Error& e) {
      last = e.what();
    }
    if (std::chrono::steady_clock::now() > until)
      throw Error("timed out after " + std::to_string(timeout.count()) + " s waiting for " + what + ": " + last);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

double waitedSeconds() { return gWaitSeconds.load() + etcd::Client::retriedSeconds(); }

std::vector<std::string> watchedPaths(const Cluster& c) {
  return {"/etc/kubernetes", kKubeletConfigPath, kKubeletFlagsEnvPath, kKubeletInstanceConfigPath, kKubeletUnitPath,
          kEtcdUnitPath};
}

struct Applier::Expected {
  FileSet node;           // PKI, kubeconfigs, kubelet config and unit
  FileSet etcd;           // etcd manifest or unit (canonical join form)
  FileSet controlPlane;   // apiserver, controller-manager, scheduler manifests
};

Applier::Applier(const Cluster& c, ApplyOptions o, Progress& progress) : c_(c), o_(std::move(o)), progress_(progress) {
  routeThroughBastion(c_);  // etcd and API calls from here go through the bastion when there is one
  std::vector<ssh::FleetHost> hosts;
  for (const Host* h : c_.hosts()) hosts.push_back({h->name, {h->address, c_.ssh.port}});
  fleet_ = std::make_unique<ssh::Fleet>(hosts, ssh::SessionOptions::fromSpec(c_.ssh), c_.ssh.concurrency,
                                        [this](const ProgressEvent& e) { progress_.emit(e); });
  runStamp_ = utcNow("%Y-%m-%d-%H-%M-%S");
}

Applier::~Applier() = default;

etcd::Client& Applier::etcdClient() {
  if (!etcd_) {
    etcdTls_ = etcdTls(c_, o_.stateDir);
    etcd_ = std::make_unique<etcd::Client>(etcdEndpoints(c_), etcdTls_, std::chrono::seconds(5));
  }
  return *etcd_;
}

Observation Applier::observe() {
  Observation obs;
  std::string script = factsScript(watchedPaths(c_), c_.etcd.dataDir);
  std::mutex mu;
  auto res = fleet_->run("facts", [&](const ssh::FleetHost& fh, ssh::Session& s) {
    auto r = ssh::execChecked(s, script);
    NodeFacts f = parseFacts(r.out);
    std::lock_guard lock(mu);
    obs.facts[fh.name] = f;
    return f.os + ", kernel " + f.kernel + ", " + std::to_string(f.cpus) + " CPUs, " + std::to_string(f.memoryMiB) +
           " MiB" + (f.kubeletVersion.empty() ? "" : ", kubelet " + f.kubeletVersion);
  });
  for (const auto& hr : res.hosts)
    if (!hr.ok) obs.unreachable[hr.host] = hr.detail;
  try {
    auto& client = etcdClient();
    client.setRetryFor(std::chrono::seconds(0));
    obs.members = client.memberList();
    obs.etcdUp = true;
    client.setRetryFor(std::chrono::minutes(2));
  } catch (const Error&) {
    obs.etcdUp = false;  // no member answers: nothing bootstrapped yet (or all down: preflight/plan decide)
  }
  etcd_.reset();  // fresh channels for the run (see waitEtcdMember)
  if (fileExists(o_.stateDir + "/admin.conf")) {
    auto kc = pki::parseKubeconfig(readFile(o_.stateDir + "/admin.conf"), "admin.conf");
    for (const Host* h : c_.controlPlaneHosts())
      obs.apiReady[h->name] = probeApi(kc, apiUrl(h->address) + "/readyz", 2000).ok();
    auto r = probeApi(kc, "https://" + c_.endpointHostPort() + "/api/v1/nodes", 3000);
    if (r.ok()) {
      obs.apiUp = true;
      for (const auto& n : nlohmann::json::parse(r.body).value("items", nlohmann::json::array()))
        obs.nodes[n["metadata"]["name"].get<std::string>()] = n.dump();
    }
    AddonOptions ao;
    ao.caPem = readFile(o_.stateDir + "/pki/ca.crt");
    std::unique_ptr<kube::KubeClient> client;
    if (obs.apiUp) client = std::make_unique<kube::KubeClient>(kube::KubeClient::fromKubeconfig(o_.stateDir + "/admin.conf"));
    for (const auto& obj : addonObjects(c_, ao)) {
      std::string path = kube::objectPath(obj);
      bool same = false;
      if (client) {
        try {
          auto live = client->getIfExists(path);
          same = live && kube::alreadyApplied(obj, *live);
        } catch (const Error&) {
        }
      }
      if (!same) obs.addonsToApply.push_back(path);
    }
  } else {
    AddonOptions ao;
    if (fileExists(o_.stateDir + "/pki/ca.crt")) ao.caPem = readFile(o_.stateDir + "/pki/ca.crt");
    for (const auto& obj : addonObjects(c_, ao)) obs.addonsToApply.push_back(kube::objectPath(obj));
  }
  return obs;
}

std::vector<PreflightFinding> Applier::preflight(const Observation& obs) const {
  std::vector<PreflightFinding> out;
  for (const Host* h : c_.hosts()) {
    auto it = obs.facts.find(h->name);
    if (it == obs.facts.end()) continue;
    auto f = preflightHost(c_, *h, it->second, o_.ignorePreflight);
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

Applier::Expected Applier::expectedFiles(const Host& h, const NodeFacts& f) const {
  Expected e;
  FileSet all = pki::hostPkiFiles(c_, h, o_.stateDir);
  FileSet m = renderHostManifests(c_, h, f.manifestFacts());
  all.insert(all.end(), m.begin(), m.end());
  if (runsKubelet(c_, h)) all.push_back({kKubeletUnitPath, 0644, renderKubeletUnit(c_, h, f.kubeletPath)});
  auto etcdHosts = c_.etcdHosts();
  size_t index = 0;
  for (; index < etcdHosts.size(); ++index)
    if (etcdHosts[index]->name == h.name) break;
  for (auto& file : all) {
    if (file.path == std::string(kManifestsDir) + "/etcd.yaml") {
      // Canonical form: the members before this one plus itself, "new" for the first, else "existing".
      file.content = renderEtcdManifest(c_, h, etcdInitialCluster(c_, index), index == 0 ? "new" : "existing");
      e.etcd.push_back(file);
    } else if (file.path == kEtcdUnitPath) {
      file.content = renderEtcdSystemdUnit(c_, h, etcdInitialCluster(c_, index), index == 0 ? "new" : "existing");
      e.etcd.push_back(file);
    } else if (isManifestOrEtcdUnit(file.path)) {
      e.controlPlane.push_back(file);
    } else {
      e.node.push_back(file);
    }
  }
  return e;
}

std::string Applier::uploadWithBackup(const Host& h, const FileSet& files, const NodeFacts& f) {
  // Files that exist with other content are copied aside first: nothing kforge replaces is lost.
  std::vector<std::string> replaced;
  for (const auto& file : files) {
    auto it = f.files.find(file.path);
    if (it != f.files.end() && it->second != sha256Hex(file.content)) replaced.push_back(file.path);
  }
  auto& s = fleet_->session(h.name);
  std::string note;
  if (!replaced.empty()) {
    std::string dir = "/etc/kubernetes/tmp/kforge-backup-" + runStamp_;
    // One mkdir + cp per file (not `cp --parents`: with -p and a target inside the source tree, coreutils 9.1
    // copies the file and then fails setting the attributes of the parent it is still creating).
    ssh::ShellCommand cmd("mkdir");
    cmd.arg("-p").arg("-m").arg("0700").arg(dir);
    for (const auto& path : replaced) {
      std::string to = dir + dirName(path);
      cmd.raw("&&").arg("mkdir").arg("-p").arg(to).raw("&&").arg("cp").arg("-p").arg("--").arg(path).arg(to + "/");
    }
    ssh::execChecked(s, cmd);
    note = ", " + std::to_string(replaced.size()) + " old moved to " + dir;
  }
  auto report = ssh::upload(s, files);
  return report.summary() + note;
}

void Applier::backupBefore(const Step& step) {
  auto meta = etcd::takeBackup(etcdClient(), {o_.backupDir, c_.name, c_.kubernetesVersion.str(),
                                              "pre-step:" + step.phase + "-" + step.host});
  progress_.report(step.host, "backup", StepStatus::Ok, meta.id + " (" + std::to_string(meta.fileSize) + " bytes, sha256 verified)");
}

void Applier::waitEtcdMember(const Host& h, bool mustBeVoter) {
  etcdClient();  // builds the TLS file set
  // A fresh channel per attempt: a gRPC channel first opened while the member was still down kept failing
  // its TLS handshakes after the member came up (seen with grpc++ 1.51); a new channel connects at once.
  sleepUntil(o_.waitTimeout, "etcd member " + h.name, [&]() -> std::string {
    etcd::Client probe({etcdClientEndpoint(h)}, etcdTls_, std::chrono::seconds(2));
    auto st = probe.status(etcdClientEndpoint(h));
    if (mustBeVoter && st.isLearner) return "still a learner";
    if (!st.errors.empty()) return st.errors.front();
    if (st.leader == 0) return "no leader";
    return "";
  });
}

std::string Applier::apiUrl(const std::string& address) const {
  return urlFor("https", address, c_.apiServer.bindPort);
}

// The labels, annotations and taints a node should have (bootstrap/mark_control_plane), as a JSON merge
// patch, or "" when it already has them.
static std::string nodePatch(const NodeMarks& marks, const nlohmann::json& node) {
  nlohmann::json patch = nlohmann::json::object();
  auto labels = node["metadata"].value("labels", nlohmann::json::object());
  for (const auto& [k, v] : marks.labels)
    if (!labels.contains(k) || labels[k] != v) patch["metadata"]["labels"][k] = v;
  auto annotations = node["metadata"].value("annotations", nlohmann::json::object());
  for (const auto& [k, v] : marks.annotations)
    if (!annotations.contains(k) || annotations[k] != v) patch["metadata"]["annotations"][k] = v;
  // Taints: kforge sets the pool's taints and keeps taints with other keys (added by controllers or people).
  nlohmann::json have = node.contains("spec") ? node["spec"].value("taints", nlohmann::json::array()) : nlohmann::json::array();
  nlohmann::json want = nlohmann::json::array();
  std::set<std::string> keys;
  for (const auto& t : marks.taints) {
    nlohmann::json j{{"key", t.key}, {"effect", t.effect}};
    if (!t.value.empty()) j["value"] = t.value;
    want.push_back(j);
    keys.insert(t.key);
  }
  for (const auto& t : have)
    if (!keys.count(t.value("key", ""))) want.push_back(t);
  auto canon = [](nlohmann::json a) {
    std::vector<std::string> v;
    for (auto& t : a) v.push_back(t.value("key", "") + "=" + t.value("value", "") + ":" + t.value("effect", ""));
    std::sort(v.begin(), v.end());
    return v;
  };
  if (canon(want) != canon(have)) patch["spec"]["taints"] = want;
  return patch.empty() ? "" : patch.dump();
}

std::string Applier::labelAndTaint(const Host& h, const std::string& criSocket) {
  auto kc = pki::parseKubeconfig(readFile(o_.stateDir + "/admin.conf"), "admin.conf");
  std::string url = "https://" + c_.endpointHostPort() + "/api/v1/nodes/" + h.name;
  nlohmann::json node;
  sleepUntil(o_.waitTimeout, "node " + h.name + " to register", [&]() -> std::string {
    auto r = probeApi(kc, url);
    if (!r.ok()) return r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error;
    node = nlohmann::json::parse(r.body);
    return "";
  });
  std::string patch = nodePatch(nodeMarks(c_, h, criSocket), node);
  if (patch.empty()) return "registered";
  auto r = apiRequest(kc, "PATCH", url, patch, "application/merge-patch+json");
  if (!r.ok()) throw Error("labelling node " + h.name + ": HTTP " + std::to_string(r.status) + " " + r.error + r.body.substr(0, 300));
  return "registered, labels and taints set";
}

std::string Applier::applyAddons(const std::vector<std::string>& paths) {
  std::string rbac = ensureClusterAdmins(c_, o_.stateDir, o_.waitTimeout);
  auto client = kube::KubeClient::fromKubeconfig(o_.stateDir + "/admin.conf");
  AddonOptions ao;
  ao.caPem = readFile(o_.stateDir + "/pki/ca.crt");
  int created = 0, updated = 0;
  for (const auto& obj : addonObjects(c_, ao)) {
    if (std::find(paths.begin(), paths.end(), kube::objectPath(obj)) == paths.end()) continue;
    auto r = client.apply(obj);
    if (r.action == kube::ApplyAction::Created) ++created;
    if (r.action == kube::ApplyAction::Updated) ++updated;
  }
  return rbac + "; " + std::to_string(created) + " created, " + std::to_string(updated) + " updated";
}

void Applier::waitApiReady(const Host& h) {
  auto kc = pki::parseKubeconfig(readFile(o_.stateDir + "/admin.conf"), "admin.conf");
  std::string url = apiUrl(h.address) + "/readyz";
  sleepUntil(o_.waitTimeout, "kube-apiserver /readyz on " + h.name, [&]() -> std::string {
    auto r = probeApi(kc, url);
    if (r.ok()) return "";
    return r.error.empty() ? "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200) : r.error;
  });
}

Plan Applier::plan(const Observation& obs) {
  Plan p;
  std::map<std::string, Expected> expected;
  for (const Host* h : c_.hosts()) expected[h->name] = expectedFiles(*h, obs.facts.at(h->name));
  auto differs = [&](const Host& h, const FileSet& files) {
    int n = 0;
    const auto& have = obs.facts.at(h.name).files;
    for (const auto& f : files) {
      auto it = have.find(f.path);
      if (it == have.end() || it->second != sha256Hex(f.content)) ++n;
    }
    return n;
  };

  // files
  for (const Host* h : c_.hosts()) {
    const auto& e = expected[h->name];
    if (int n = differs(*h, e.node)) {
      p.steps.push_back({"files", h->name,
                         "write " + std::to_string(n) + " of " + std::to_string(e.node.size()) +
                             " PKI, kubeconfig and kubelet files",
                         false, [this, h, e, &obs] { return uploadWithBackup(*h, e.node, obs.facts.at(h->name)); },
                         /*parallel=*/true});
    }
  }
  // kubelet
  for (const Host* h : c_.hosts()) {
    if (!runsKubelet(c_, *h)) continue;
    const auto& f = obs.facts.at(h->name);
    bool unitChanged = false;
    for (const auto& file : expected[h->name].node)
      if (file.path == kKubeletUnitPath) {
        auto it = f.files.find(file.path);
        unitChanged = it == f.files.end() || it->second != sha256Hex(file.content);
      }
    if (unitChanged || !f.kubeletActive)
      p.steps.push_back({"kubelet", h->name, f.kubeletActive ? "restart the kubelet (its unit changed)" : "start the kubelet",
                         false, [this, h] {
                           auto& s = fleet_->session(h->name);
                           ssh::execChecked(s, "systemctl daemon-reload && systemctl enable kubelet && systemctl restart kubelet");
                           return std::string("active");
                         },
                         /*parallel=*/true});
  }
  // etcd
  auto etcdHosts = c_.etcdHosts();
  bool clusterExists = obs.etcdUp;
  for (size_t i = 0; i < etcdHosts.size(); ++i) {
    const Host* h = etcdHosts[i];
    const auto& e = expected[h->name];
    bool fileDiffers = differs(*h, e.etcd) > 0;
    const etcd::Member* m = clusterExists ? etcdMemberOf(obs.members, *h) : nullptr;
    bool systemd = c_.etcd.runAs == EtcdRunAs::Systemd;
    auto start = [this, h, e, systemd, &obs] {
      std::string d = uploadWithBackup(*h, e.etcd, obs.facts.at(h->name));
      if (systemd)
        ssh::execChecked(fleet_->session(h->name),
                         "systemctl daemon-reload && systemctl enable etcd && systemctl restart etcd");
      return d;
    };
    if (!clusterExists && o_.etcdRestored) {
      // All members together: a restored member has no leader until a majority of them runs.
      p.steps.push_back({"etcd", h->name, "start restored etcd member " + h->name, false,
                         [this, h, start] {
                           start();
                           waitEtcdMember(*h, true);
                           return std::string("healthy");
                         },
                         /*parallel=*/true});
      continue;
    }
    if (!clusterExists && i == 0) {
      p.steps.push_back({"etcd", h->name, "start the first etcd member (new cluster)", false, [this, h, start] {
                           start();
                           waitEtcdMember(*h, true);
                           return std::string("healthy");
                         }});
      clusterExists = true;  // later members join it
      continue;
    }
    if (!m) {
      p.steps.push_back({"etcd", h->name, "add etcd member " + h->name + " as a learner, start it, promote it", false,
                         [this, h, start] {
                           auto& client = etcdClient();
                           const etcd::Member* existing = nullptr;
                           auto members = client.memberList();
                           existing = etcdMemberOf(members, *h);  // idempotent: an earlier run may have added it
                           uint64_t id = existing ? existing->id : client.memberAdd({etcdPeerURL(*h)}, true).id;
                           start();
                           waitEtcdMember(*h, false);
                           members = client.memberList();
                           auto* now = etcdMemberOf(members, *h);
                           if (now && now->isLearner) client.memberPromote(id);
                           waitEtcdMember(*h, true);
                           return "member " + etcd::memberIdHex(id) + " promoted";
                         }});
    } else if (m->isLearner) {
      p.steps.push_back({"etcd", h->name, "promote learner " + h->name, false, [this, h, start, fileDiffers] {
                           if (fileDiffers) start();
                           waitEtcdMember(*h, false);
                           auto members = etcdClient().memberList();
                           if (auto* now = etcdMemberOf(members, *h)) etcdClient().memberPromote(now->id);
                           waitEtcdMember(*h, true);
                           return std::string("promoted");
                         }});
    } else if (fileDiffers || !m->started()) {
      p.steps.push_back({"etcd", h->name,
                         fileDiffers ? "update the etcd manifest (restarts the member)" : "start etcd member " + h->name,
                         fileDiffers, [this, h, start] {
                           start();
                           waitEtcdMember(*h, true);
                           return std::string("healthy");
                         }});
    }
  }
  // control plane (restarting an API server that exists is risky: backup first)
  for (const Host* h : c_.controlPlaneHosts()) {
    const auto& e = expected[h->name];
    int n = differs(*h, e.controlPlane);
    if (n == 0) {
      auto it = obs.apiReady.find(h->name);
      if (it != obs.apiReady.end() && !it->second)
        p.steps.push_back({"control-plane", h->name, "kube-apiserver is not ready: wait for /readyz", false, [this, h] {
                             waitApiReady(*h);
                             return std::string("ready");
                           }});
      continue;
    }
    bool hadApiServer = obs.facts.at(h->name).files.count(std::string(kManifestsDir) + "/kube-apiserver.yaml") > 0;
    p.steps.push_back({"control-plane", h->name,
                       "write " + std::to_string(n) + " control-plane manifest" + (n == 1 ? "" : "s") + ", wait for /readyz",
                       hadApiServer, [this, h, e, &obs] {
                         std::string d = uploadWithBackup(*h, e.controlPlane, obs.facts.at(h->name));
                         waitApiReady(*h);
                         return d + ", ready";
                       }});
  }
  // addons
  if (!obs.addonsToApply.empty()) {
    auto paths = obs.addonsToApply;
    p.steps.push_back({"addons", "", "apply " + std::to_string(paths.size()) +
                                         " addon object(s): RBAC, kubeadm-config, kubelet-config, cluster-info, CoreDNS, kube-proxy",
                       false, [this, paths] { return applyAddons(paths); }});
  }
  // nodes: every host running a kubelet with an API server to talk to registers; then pool labels and taints
  for (const Host* h : c_.hosts()) {
    if (h->role == Role::Etcd) continue;
    auto it = obs.nodes.find(h->name);
    const std::string cri = obs.facts.count(h->name) ? obs.facts.at(h->name).criSocket : "";
    if (it != obs.nodes.end() && nodePatch(nodeMarks(c_, *h, cri), nlohmann::json::parse(it->second)).empty()) continue;
    p.steps.push_back({"nodes", h->name,
                       it == obs.nodes.end() ? "wait for node " + h->name + " to register, set its labels and taints"
                                             : "set node " + h->name + "'s labels and taints",
                       false, [this, h, cri] { return labelAndTaint(*h, cri); }, /*parallel=*/true});
  }
  return p;
}

}  // namespace kforge
