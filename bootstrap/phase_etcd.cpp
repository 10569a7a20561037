// Phase "etcd" (kubeadm's etcd local + join control-plane-join/etcd): the first member alone ("new"); each
// other member added as a learner, started with "existing", promoted, waited healthy; after a restore every
// member at once; a member whose manifest (or systemd unit) changes restarts — risky, so a backup comes first.
#include "bootstrap/apply.hpp"
#include "bootstrap/etcd_access.hpp"
#include "bootstrap/phases.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"

namespace kforge {

namespace {

// Writes the member's manifest or unit (old one copied aside) and, for a systemd etcd, restarts it.
std::string installMember(Applier* a, const Host* h, const FileSet& files, const Observation* obs, bool systemd) {
  std::string d = a->uploadWithBackup(*h, files, obs->facts.at(h->name));
  if (systemd)
    ssh::execChecked(a->fleet().session(h->name), "systemctl daemon-reload && systemctl enable etcd && systemctl restart etcd");
  return d;
}

class EtcdPhase : public Phase {
 public:
  explicit EtcdPhase(const PhaseContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "etcd"; }
  void plan(Plan& out) override {
    const Cluster& c = ctx_.cluster;
    const Observation& obs = ctx_.obs;
    auto etcdHosts = c.etcdHosts();
    bool clusterExists = obs.etcdUp;
    bool systemd = c.etcd.runAs == EtcdRunAs::Systemd;
    for (size_t i = 0; i < etcdHosts.size(); ++i) {
      const Host* h = etcdHosts[i];
      FileSet files = ctx_.expected.at(h->name).etcd;
      bool fileDiffers = filesDiffering(files, obs.facts.at(h->name)) > 0;
      const etcd::Member* m = clusterExists ? etcdMemberOf(obs.members, *h) : nullptr;
      Applier* a = &ctx_.applier;
      const Observation* o = &obs;
      auto start = [a, h, files, o, systemd] { return installMember(a, h, files, o, systemd); };
      if (!clusterExists && a->options().etcdRestored) {
        // All members together: a restored member has no leader until a majority of them runs.
        out.steps.push_back({title(), h->name, "start restored etcd member " + h->name, false,
                             [a, h, start] {
                               start();
                               a->waitEtcdMember(*h, true);
                               return std::string("healthy");
                             },
                             /*parallel=*/true});
        continue;
      }
      if (!clusterExists && i == 0) {
        out.steps.push_back({title(), h->name, "start the first etcd member (new cluster)", false, [a, h, start] {
                               start();
                               a->waitEtcdMember(*h, true);
                               return std::string("healthy");
                             }});
        clusterExists = true;  // later members join it
        continue;
      }
      if (!m) {
        out.steps.push_back({title(), h->name, "add etcd member " + h->name + " as a learner, start it, promote it", false,
                             [a, h, start] {
                               auto& client = a->etcdClient();
                               auto members = client.memberList();
                               const etcd::Member* existing = etcdMemberOf(members, *h);  // an earlier run may have added it
                               uint64_t id = existing ? existing->id : client.memberAdd({etcdPeerURL(*h)}, true).id;
                               start();
                               a->waitEtcdMember(*h, false);
                               members = client.memberList();
                               auto* now = etcdMemberOf(members, *h);
                               if (now && now->isLearner) client.memberPromote(id);
                               a->waitEtcdMember(*h, true);
                               return "member " + etcd::memberIdHex(id) + " promoted";
                             }});
      } else if (m->isLearner) {
        out.steps.push_back({title(), h->name, "promote learner " + h->name, false, [a, h, start, fileDiffers] {
                               if (fileDiffers) start();
                               a->waitEtcdMember(*h, false);
                               auto members = a->etcdClient().memberList();
                               if (auto* now = etcdMemberOf(members, *h)) a->etcdClient().memberPromote(now->id);
                               a->waitEtcdMember(*h, true);
                               return std::string("promoted");
                             }});
      } else if (fileDiffers || !m->started()) {
        out.steps.push_back({title(), h->name,
                             fileDiffers ? "update the etcd manifest (restarts the member)" : "start etcd member " + h->name,
                             fileDiffers, [a, h, start] {
                               start();
                               a->waitEtcdMember(*h, true);
                               return std::string("healthy");
                             }});
      }
    }
  }

 private:
  const PhaseContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> etcdPhase(const PhaseContext& ctx) { return std::make_unique<EtcdPhase>(ctx); }

}  // namespace kforge
