// Phase "restart": the running components whose certificates or kubeconfigs changed under them restart, so
// that they use them (bootstrap/component_restart.hpp decides which, bootstrap/component_restart_run.hpp
// restarts and verifies). One host and component at a time, in kforge's order: every etcd member (a verified
// backup first, leadership handed over when it leads, the leader last; done when it answers with a leader, has
// caught up with the leader's raft index as of its restart and serves its new server and peer certificates),
// then every kube-apiserver (the endpoint's load balancer sends clients to the others meanwhile; done when
// /readyz answers and it serves its new certificate), kube-controller-manager, kube-scheduler (a new
// container, Ready), then the kubelets whose kubelet.conf changed (a new process that renews its Lease).
#include "bootstrap/apply.hpp"
#include "bootstrap/component_restart.hpp"
#include "bootstrap/component_restart_run.hpp"
#include "bootstrap/etcd_access.hpp"
#include "bootstrap/etcd_leader.hpp"
#include "bootstrap/kubelet_unit.hpp"
#include "bootstrap/local_api_server_down.hpp"
#include "bootstrap/manifests.hpp"
#include "bootstrap/phases.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "pki/served_cert.hpp"

namespace kforge {

namespace {

const char* kKubeletKubeconfig = "/etc/kubernetes/kubelet.conf";

std::string servedSerialCheck(const std::string& what, const std::string& host, int port, const std::string& certFile,
                              const pki::ClientCertPem* client = nullptr) {
  std::string want = pki::certSerialHex(readFile(certFile), certFile);
  std::string got;
  try {
    got = pki::servedCertSerial(host, port, 2000, client);
  } catch (const Error& e) {
    return what + ": " + e.what();
  }
  if (got != want) return what + " serves serial " + got + ", not the new " + want;
  return "";
}

// kube-apiserver on h: /readyz (Applier::apiReadyz), and the serial it serves is its apiserver.crt's (the state dir's copy).
std::function<std::string()> apiServerCheck(Applier& a, const Host& h) {
  int port = a.cluster().apiServer.bindPort;
  std::string cert = a.options().stateDir + "/hosts/" + h.name + "/pki/apiserver.crt";
  Applier* ap = &a;
  const Host* hp = &h;
  return [ap, hp, port, cert]() -> std::string {
    if (std::string why = ap->apiReadyz(*hp); !why.empty()) return "/readyz: " + why;
    return servedSerialCheck("kube-apiserver", hp->address, port, cert);
  };
}

class RestartPhase : public Phase {
 public:
  explicit RestartPhase(const PhaseContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "restart"; }
  void plan(Plan& out) override {
    const Cluster& c = ctx_.cluster;
    const Observation& obs = ctx_.obs;
    std::vector<RestartInput> inputs;
    for (const Host* h : c.hosts()) {
      auto rt = obs.runtime.find(h->name);
      if (rt == obs.runtime.end()) continue;
      const ExpectedFiles& e = ctx_.expected.at(h->name);
      const NodeFacts& f = obs.facts.at(h->name);
      RestartInput in;
      in.host = h->name;
      in.runtime = rt->second;
      for (const auto& file : e.node)
        if (filesDiffering({file}, f) > 0) in.pendingWrites.insert(file.path);
      auto addManifests = [&](const FileSet& files) {
        for (const auto& file : files) {
          if (file.path.rfind(std::string(kManifestsDir) + "/", 0) != 0) continue;  // a systemd etcd: not here
          std::string comp = componentOfManifest(file.path);
          in.uses[comp] = filesNamedByManifest(file.content);
          if (filesDiffering({file}, f) > 0) in.restartedAnyway.insert(comp);
        }
      };
      addManifests(e.etcd);
      addManifests(e.controlPlane);
      if (runsKubelet(c, *h)) {
        in.uses["kubelet"] = {kKubeletKubeconfig};
        bool unitChanged = in.pendingWrites.count(kKubeletUnitPath) > 0;
        if (unitChanged || !f.kubeletActive) in.restartedAnyway.insert("kubelet");
      }
      if (obs.etcdLeader != 0)
        if (const etcd::Member* m = etcdMemberOf(obs.members, *h)) in.etcdLeader = m->id == obs.etcdLeader;
      inputs.push_back(std::move(in));
    }
    for (const auto& p : planRestarts(inputs)) {
      const Host* h = c.findHost(p.host);
      Applier* a = &ctx_.applier;
      std::string why = p.because.front().substr(p.because.front().rfind('/') + 1);
      if (p.because.size() > 1) why += " and " + std::to_string(p.because.size() - 1) + " more";
      std::string desc = "restart " + p.component + " (" + why + " changed since it started)";
      bool leader = p.component == "etcd" && obs.etcdLeader != 0 && etcdMemberOf(obs.members, *h) &&
                    etcdMemberOf(obs.members, *h)->id == obs.etcdLeader;
      if (leader) desc += " (the leader: last, leadership moved first)";
      std::string component = p.component;
      std::vector<std::string> because = p.because;
      out.steps.push_back({title(), h->name, desc, /*risky=*/component == "etcd", [a, h, component, because] {
                             return runRestart(*a, *h, component, because);
                           }});
    }
  }

  static std::string runRestart(Applier& a, const Host& h, const std::string& component,
                                const std::vector<std::string>& because) {
    const std::string state = a.options().stateDir;
    const std::string pki = state + "/hosts/" + h.name + "/pki";
    ComponentRestart r;
    r.host = &h;
    r.component = component;
    r.timeout = a.options().waitTimeout;
    r.because = because;
    std::string note;
    if (component == "etcd") {
      note = handOverLeadership(a, h);
      uint64_t leaderIndex = leaderRaftIndex(a);
      auto client = std::make_shared<pki::ClientCertPem>(
          pki::ClientCertPem{readFile(pki + "/etcd/healthcheck-client.crt"), readFile(pki + "/etcd/healthcheck-client.key")});
      r.verify = [&a, &h, state, pki, leaderIndex, client]() -> std::string {
        etcd::Client probe({etcdClientEndpoint(h)}, etcdTls(a.cluster(), state), std::chrono::seconds(2));
        auto st = probe.status(etcdClientEndpoint(h));
        if (!st.errors.empty()) return st.errors.front();
        if (st.leader == 0) return "no leader";
        if (st.raftAppliedIndex < leaderIndex)
          return "catching up: applied " + std::to_string(st.raftAppliedIndex) + " of " + std::to_string(leaderIndex);
        std::string why = servedSerialCheck("etcd client port", h.address, 2379, pki + "/etcd/server.crt", client.get());
        if (why.empty()) why = servedSerialCheck("etcd peer port", h.address, 2380, pki + "/etcd/peer.crt", client.get());
        return why;
      };
      // A stacked member's local API server is held down around the etcd restart (bootstrap/local_api_server_down.hpp).
      // That counts as its restart: its own step, if planned, finds it restarted since its files changed and only
      // verifies it.
      if (!runsLocalApiServer(a, h))
        return note + restartComponent(a, r) + ", caught up, serving the new server and peer certificates";
      r.mirror = false;  // its kubelet reports through the local API server, which is down meanwhile
      std::string etcdDetail;
      std::string apiDetail = withLocalApiServerDown(
          a, h, r.timeout, [&] { etcdDetail = restartComponent(a, r); }, apiServerCheck(a, h));
      return note + etcdDetail + ", caught up, serving the new server and peer certificates (kube-apiserver held down "
             "meanwhile: " + apiDetail + ")";
    }
    if (component == "kube-apiserver") {
      r.verify = apiServerCheck(a, h);
      return restartComponent(a, r) + ", /readyz ok, serving the new certificate";
    }
    return restartComponent(a, r);
  }

 private:
  const PhaseContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> restartPhase(const PhaseContext& ctx) { return std::make_unique<RestartPhase>(ctx); }

}  // namespace kforge
