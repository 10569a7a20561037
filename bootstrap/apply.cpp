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
#include "bootstrap/phases.hpp"
#include "bootstrap/wait.hpp"
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

std::vector<std::string> watchedPaths(const Cluster& c) {
  return {"/etc/kubernetes", kKubeletConfigPath, kKubeletFlagsEnvPath, kKubeletInstanceConfigPath, kKubeletUnitPath,
          kEtcdUnitPath};
}

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
    // What runs and since when, against the files' times (bootstrap/component_restart.hpp).
    HostRuntime rt = parseRuntime(ssh::execChecked(s, runtimeScript()).out);
    std::lock_guard lock(mu);
    obs.facts[fh.name] = f;
    obs.runtime[fh.name] = rt;
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
    for (const auto& ep : etcdEndpoints(c_)) {
      try {
        auto st = client.status(ep);
        if (st.leader != 0) {
          obs.etcdLeader = st.leader;
          break;
        }
      } catch (const Error&) {
      }
    }
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
      auto v = probeApi(kc, "https://" + c_.endpointHostPort() + "/version", 3000);
      if (v.ok()) obs.apiServerVersion = nlohmann::json::parse(v.body).value("gitVersion", "");
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

void Applier::refuseDowngrade(const Observation& obs) const {
  auto newer = [&](const std::string& what, const std::string& version) {
    auto v = Version::parse(version);
    if (v && c_.kubernetesVersion < *v)
      throw Error(c_.sourceFile + ": kubernetesVersion is " + c_.kubernetesVersion.str() + " but " + what + " runs " +
                      v->str() + ": applying it would downgrade the cluster (nothing was changed). After `kforge upgrade`, "
                      "set kubernetesVersion: " + v->str() + " in the inventory",
                  ExitCode::InvalidInput);
  };
  newer("the API server", obs.apiServerVersion);
  auto api = Version::parse(obs.apiServerVersion);
  if (api && *api < c_.kubernetesVersion)
    throw Error(c_.sourceFile + ": kubernetesVersion is " + c_.kubernetesVersion.str() + " but the cluster runs " + api->str() +
                    ": changing the release of a running cluster is an upgrade (ordered, drained, backed up, rolled back "
                    "on failure), which apply does not do. Run: kforge upgrade apply -f " + c_.sourceFile + " --to " +
                    c_.kubernetesVersion.str() + " (nothing was changed)",
                ExitCode::InvalidInput);
  for (const auto& [name, json] : obs.nodes) {
    auto n = nlohmann::json::parse(json);
    if (n.contains("status") && n["status"].contains("nodeInfo"))
      newer("the kubelet of " + name, n["status"]["nodeInfo"].value("kubeletVersion", ""));
  }
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

void Applier::backupBefore(const Step& step, const std::string& runningVersion) {
  auto meta = etcd::takeBackup(etcdClient(), {o_.backupDir, c_.name,
                                              runningVersion.empty() ? c_.kubernetesVersion.str() : runningVersion,
                                              "pre-step:" + step.phase + "-" + step.host});
  progress_.report(step.host, "backup", StepStatus::Ok, meta.id + " (" + std::to_string(meta.fileSize) + " bytes, sha256 verified)");
}

void Applier::waitEtcdMember(const Host& h, bool mustBeVoter) {
  etcdClient();  // builds the TLS file set
  // A fresh channel per attempt: a gRPC channel first opened while the member was still down kept failing
  // its TLS handshakes after the member came up (seen with grpc++ 1.51); a new channel connects at once.
  waitUntil(o_.waitTimeout, "etcd member " + h.name, [&]() -> std::string {
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

std::string Applier::labelAndTaint(const Host& h, const std::string& criSocket) {
  auto kc = pki::parseKubeconfig(readFile(o_.stateDir + "/admin.conf"), "admin.conf");
  std::string url = "https://" + c_.endpointHostPort() + "/api/v1/nodes/" + h.name;
  nlohmann::json node;
  waitUntil(o_.waitTimeout, "node " + h.name + " to register", [&]() -> std::string {
    auto r = probeApi(kc, url);
    if (!r.ok()) return r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error;
    node = nlohmann::json::parse(r.body);
    return "";
  });
  std::string patch = nodeMarksPatch(nodeMarks(c_, h, criSocket), node);
  if (patch.empty()) return "registered";
  auto r = apiRequest(kc, "PATCH", url, patch, "application/merge-patch+json");
  if (!r.ok()) throw Error("labelling node " + h.name + ": HTTP " + std::to_string(r.status) + " " + r.error + r.body.substr(0, 300));
  return "registered, labels and taints set";
}

std::string Applier::applyAddons(const std::vector<std::string>& paths) {
  waitEndpointReady();
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

namespace {
// One look at an API server's /readyz through `url`: "" when it answers ok, else why not.
std::string readyzProblem(const pki::Kubeconfig& kc, const std::string& url) {
  auto r = probeApi(kc, url);
  if (r.ok()) return "";
  return r.error.empty() ? "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200) : r.error;
}
}  // namespace

std::string Applier::apiReadyz(const Host& h) {
  auto kc = pki::parseKubeconfig(readFile(o_.stateDir + "/admin.conf"), "admin.conf");
  return readyzProblem(kc, apiUrl(h.address) + "/readyz");
}

void Applier::waitApiReady(const Host& h) {
  waitUntil(o_.waitTimeout, "kube-apiserver /readyz on " + h.name, [&] { return apiReadyz(h); });
}

void Applier::waitEndpointReady() {
  auto kc = pki::parseKubeconfig(readFile(o_.stateDir + "/admin.conf"), "admin.conf");
  std::string url = "https://" + c_.endpointHostPort() + "/readyz";
  waitUntil(o_.waitTimeout, "the API endpoint " + c_.endpointHostPort() + " /readyz",
            [&] { return readyzProblem(kc, url); });
}

std::vector<std::unique_ptr<Phase>> applyPhases(const PhaseContext& ctx) {
  std::vector<std::unique_ptr<Phase>> v;
  v.push_back(filesPhase(ctx));
  v.push_back(kubeletPhase(ctx));
  v.push_back(etcdPhase(ctx));
  v.push_back(controlPlanePhase(ctx));
  v.push_back(restartPhase(ctx));
  v.push_back(addonsPhase(ctx));
  v.push_back(nodesPhase(ctx));
  return v;
}

Plan Applier::plan(const Observation& obs) {
  Plan p;
  expected_.clear();
  for (const Host* h : c_.hosts()) expected_[h->name] = expectedFiles(c_, *h, obs.facts.at(h->name), o_.stateDir);
  PhaseContext ctx{c_, *this, obs, expected_};
  for (auto& phase : applyPhases(ctx)) phase->plan(p);
  return p;
}

}  // namespace kforge
