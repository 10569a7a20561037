// Phase "kubelet": (re)start the kubelet on every host that runs one, where its unit changed or it is not
// running, in parallel.
#include "bootstrap/apply.hpp"
#include "bootstrap/kubelet_unit.hpp"
#include "bootstrap/phases.hpp"
#include "core/sha256.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"

namespace kforge {

namespace {
class KubeletPhase : public Phase {
 public:
  explicit KubeletPhase(const PhaseContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "kubelet"; }
  void plan(Plan& out) override {
    for (const Host* h : ctx_.cluster.hosts()) {
      if (!runsKubelet(ctx_.cluster, *h)) continue;
      const auto& f = ctx_.obs.facts.at(h->name);
      bool unitChanged = false;
      for (const auto& file : ctx_.expected.at(h->name).node)
        if (file.path == kKubeletUnitPath) unitChanged = filesDiffering({file}, f) > 0;
      if (!unitChanged && f.kubeletActive) continue;
      Applier* a = &ctx_.applier;
      out.steps.push_back({title(), h->name, f.kubeletActive ? "restart the kubelet (its unit changed)" : "start the kubelet",
                           false, [a, h] {
                             ssh::execChecked(a->fleet().session(h->name),
                                              "systemctl daemon-reload && systemctl enable kubelet && systemctl restart kubelet");
                             return std::string("active");
                           },
                           /*parallel=*/true});
    }
  }

 private:
  const PhaseContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> kubeletPhase(const PhaseContext& ctx) { return std::make_unique<KubeletPhase>(ctx); }

}  // namespace kforge
