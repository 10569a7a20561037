// Phase "addons" (kubeadm's upload-config, bootstrap-token cluster-info, addon/coredns, addon/kube-proxy):
// the objects bootstrap/addons.hpp renders, applied through the API where missing or different.
#include "bootstrap/apply.hpp"
#include "bootstrap/phases.hpp"

namespace kforge {

namespace {
class AddonsPhase : public Phase {
 public:
  explicit AddonsPhase(const PhaseContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "addons"; }
  void plan(Plan& out) override {
    if (ctx_.obs.addonsToApply.empty()) return;
    auto paths = ctx_.obs.addonsToApply;
    Applier* a = &ctx_.applier;
    out.steps.push_back({title(), "",
                         "apply " + std::to_string(paths.size()) +
                             " addon object(s): RBAC, kubeadm-config, kubelet-config, cluster-info, CoreDNS, kube-proxy",
                         false, [a, paths] { return a->applyAddons(paths); }});
  }

 private:
  const PhaseContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> addonsPhase(const PhaseContext& ctx) { return std::make_unique<AddonsPhase>(ctx); }

}  // namespace kforge
