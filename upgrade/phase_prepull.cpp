// Phase "prepull": before anything stops, every image the target release runs is pulled on every node that
// runs a kubelet (crictl pull, all nodes in parallel), so no component waits for a registry mid-upgrade and a
// missing image stops the run while nothing has changed.
#include "images/images.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/shell.hpp"
#include "upgrade/phases.hpp"

namespace kforge::upgrade {

namespace {
class PrepullPhase : public Phase {
 public:
  explicit PrepullPhase(const UpgradeContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "prepull"; }
  void plan(Plan& out) override {
    auto images = imageList(ctx_.target);
    for (const Host* h : ctx_.target.hosts()) {
      if (!runsKubelet(ctx_.target, *h)) continue;
      Applier* a = &ctx_.applier;
      std::string name = h->name;
      out.steps.push_back({title(), name, "pull " + std::to_string(images.size()) + " images of " + ctx_.target.kubernetesVersion.str(),
                           false, [a, name, images] {
                             ssh::ShellCommand cmd("true");
                             for (const auto& i : images) cmd.raw("&&").arg("crictl").arg("pull").arg(i).raw(">/dev/null");
                             ssh::execChecked(a->fleet().session(name), cmd);
                             return std::to_string(images.size()) + " images present";
                           },
                           /*parallel=*/true});
    }
  }

 private:
  const UpgradeContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> prepullPhase(const UpgradeContext& ctx) { return std::make_unique<PrepullPhase>(ctx); }

}  // namespace kforge::upgrade
