// Phase "etcd" of an in-place upgrade: one member at a time, each after a verified backup (risky step), the
// leader last; a member that is the leader when its turn comes hands leadership to an upgraded healthy
// member first (MoveLeader), so the cluster never runs a leader election under load it can avoid. A member
// is done when its mirror pod runs the new image with a new config hash, Ready, and the member answers with a
// leader and has applied at least the leader's raft index as of its restart (caught up).
//
// A stacked member's local kube-apiserver talks to that member alone: while the member shuts down (it waits for the
// API server's watch streams) and starts again, that API server keeps taking the load balancer's requests and lets
// them hang (bench/upgrade measured an 8-10 s gap in the API probe on the first member's step). So it is held down
// around the member's rollout, as apply's certificate restart does (bootstrap/local_api_server_down.hpp, kubeadm#2991):
// stopped first (its manifest moved aside: /readyz fails at once, new connections are refused and the balancer
// sends them to the others), the etcd manifest replaced and judged on the host (a new etcd process, the member at the
// new version, caught up) — its mirror pod cannot change meanwhile, the kubelet reports through that API server —
// then the API server started again (/readyz), and the etcd mirror pod checked last (new image, Ready).
#include "bootstrap/etcd_access.hpp"
#include "bootstrap/etcd_leader.hpp"
#include "bootstrap/local_api_server_down.hpp"
#include "core/error.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "upgrade/phases.hpp"
#include "upgrade/static_pod_rollout.hpp"

namespace kforge::upgrade {

namespace {

class EtcdMembersPhase : public Phase {
 public:
  explicit EtcdMembersPhase(const UpgradeContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "etcd"; }
  void plan(Plan& out) override {
    const Cluster& c = ctx_.target;
    std::vector<const Host*> order, leader;
    for (const Host* h : c.etcdHosts()) {
      auto it = ctx_.state.etcd.find(h->name);
      (it != ctx_.state.etcd.end() && it->second.isLeader() ? leader : order).push_back(h);
    }
    order.insert(order.end(), leader.begin(), leader.end());
    bool systemd = c.etcd.runAs == EtcdRunAs::Systemd;
    for (const Host* h : order) {
      FileSet files = ctx_.expected.at(h->name).etcd;
      bool differs = filesDiffering(files, ctx_.state.base.facts.at(h->name)) > 0;
      const MirrorPod* m = ctx_.state.mirror(h->name, "etcd");
      std::string image = systemd ? "" : manifestImage(files.front().content);
      bool running = systemd || (m && m->image == image && m->ready);
      if (!differs && running) continue;
      Applier* a = &ctx_.applier;
      auto timeout = ctx_.componentTimeout;
      std::string version = "etcd " + (systemd ? std::string("") : image.substr(image.rfind(':') + 1));
      bool isLeader = !leader.empty() && leader.front() == h;
      out.steps.push_back(
          {title(), h->name,
           std::string("upgrade etcd member ") + h->name + " to " + version + (isLeader ? " (the leader: last, leadership moved first)" : ""),
           /*risky=*/true, [a, h, files, timeout, version, systemd]() -> std::string {
             if (!etcdMemberOf(a->etcdClient().memberList(), *h)) throw Error(h->name + ": not an etcd member");
             std::string note = handOverLeadership(*a, *h);
             uint64_t leaderIndex = 0;
             auto healthy = [a, h, &leaderIndex]() -> std::string {
               etcd::Client probe({etcdClientEndpoint(*h)}, etcdTls(a->cluster(), a->options().stateDir), std::chrono::seconds(2));
               auto st = probe.status(etcdClientEndpoint(*h));
               if (!st.errors.empty()) return st.errors.front();
               if (st.leader == 0) return "no leader";
               if (leaderIndex == 0) leaderIndex = leaderRaftIndex(*a);  // as of the member's first answer with a leader
               if (leaderIndex == 0) return "no leader answers";
               if (st.raftAppliedIndex < leaderIndex)
                 return "catching up: applied " + std::to_string(st.raftAppliedIndex) + " of " + std::to_string(leaderIndex);
               return "";
             };
             if (systemd) {
               a->uploadWithBackup(*h, files, {});
               ssh::execChecked(a->fleet().session(h->name), "systemctl daemon-reload && systemctl restart etcd");
               a->waitEtcdMember(*h, true);
               return note + "restarted";
             }
             Rollout r;
             r.host = h;
             r.files = files;
             r.targetVersion = version;
             r.timeout = timeout;
             r.healthy = healthy;
             if (!runsLocalApiServer(*a, *h)) return note + rolloutStaticPods(*a, r) + ", caught up";
             // The local API server held down around the member's rollout (see the top of this file).
             const std::string tag = version.substr(version.rfind(' ') + 1);
             const std::string want = tag.substr(0, tag.find('-'));  // "3.7.0-0" -> "3.7.0"
             Rollout onHost = r;
             onHost.viaMirror = false;
             onHost.runsTarget = [a, h, want]() -> std::string {
               etcd::Client probe({etcdClientEndpoint(*h)}, etcdTls(a->cluster(), a->options().stateDir), std::chrono::seconds(2));
               auto st = probe.status(etcdClientEndpoint(*h));
               if (!st.errors.empty()) return st.errors.front();
               return st.version == want ? "" : "the member runs etcd " + st.version + ", not " + want;
             };
             std::string etcdDetail;
             std::string apiDetail =
                 withLocalApiServerDown(*a, *h, timeout, [&] { etcdDetail = rolloutStaticPods(*a, onHost); });
             rolloutStaticPods(*a, r);  // the mirror pod, now that the kubelet reports again: new image, Ready
             return note + etcdDetail + ", caught up (kube-apiserver held down meanwhile: " + apiDetail + ")";
           }});
    }
  }

 private:
  const UpgradeContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> etcdMembersPhase(const UpgradeContext& ctx) { return std::make_unique<EtcdMembersPhase>(ctx); }

}  // namespace kforge::upgrade
