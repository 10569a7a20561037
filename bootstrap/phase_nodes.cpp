// Phase "nodes" (kubeadm's mark-control-plane, plus the pools' labels and taints): every host running a
// kubelet registers its Node; kforge then patches the labels, annotations and taints it owns.
#include <nlohmann/json.hpp>

#include "bootstrap/apply.hpp"
#include "bootstrap/mark_control_plane.hpp"
#include "bootstrap/phases.hpp"

namespace kforge {

namespace {
class NodesPhase : public Phase {
 public:
  explicit NodesPhase(const PhaseContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "nodes"; }
  void plan(Plan& out) override {
    const Cluster& c = ctx_.cluster;
    for (const Host* h : c.hosts()) {
      if (h->role == Role::Etcd) continue;
      auto it = ctx_.obs.nodes.find(h->name);
      const std::string cri = ctx_.obs.facts.count(h->name) ? ctx_.obs.facts.at(h->name).criSocket : "";
      if (it != ctx_.obs.nodes.end() && nodeMarksPatch(nodeMarks(c, *h, cri), nlohmann::json::parse(it->second)).empty())
        continue;
      Applier* a = &ctx_.applier;
      out.steps.push_back({title(), h->name,
                           it == ctx_.obs.nodes.end() ? "wait for node " + h->name + " to register, set its labels and taints"
                                                      : "set node " + h->name + "'s labels and taints",
                           false, [a, h, cri] { return a->labelAndTaint(*h, cri); }, /*parallel=*/true});
    }
  }

 private:
  const PhaseContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> nodesPhase(const PhaseContext& ctx) { return std::make_unique<NodesPhase>(ctx); }

}  // namespace kforge
