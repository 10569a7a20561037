// Phase "control-plane" of an in-place upgrade: kube-apiserver, kube-controller-manager and kube-scheduler
// of one host at a time, each host after a verified backup (risky step). The API endpoint's load balancer
// keeps serving from the other API servers meanwhile. A host is done when all three mirror pods run the new
// images with new config hashes, Ready, and its API server answers /readyz; otherwise it rolls back
// (upgrade/static_pod_rollout.hpp).
#include "bootstrap/api_probe.hpp"
#include "bootstrap/static_pod.hpp"
#include "core/fs.hpp"
#include "pki/kubeconfig.hpp"
#include "upgrade/phases.hpp"
#include "upgrade/static_pod_rollout.hpp"

namespace kforge::upgrade {

namespace {
class ControlPlaneUpgradePhase : public Phase {
 public:
  explicit ControlPlaneUpgradePhase(const UpgradeContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "control-plane"; }
  void plan(Plan& out) override {
    const Cluster& c = ctx_.target;
    for (const Host* h : c.controlPlaneHosts()) {
      FileSet files = ctx_.expected.at(h->name).controlPlane;
      bool differs = filesDiffering(files, ctx_.state.base.facts.at(h->name)) > 0;
      bool running = true;
      for (const auto& f : files) {
        const MirrorPod* m = ctx_.state.mirror(h->name, componentOfManifest(f.path));
        if (!m || m->image != manifestImage(f.content) || !m->ready) running = false;
      }
      if (!differs && running) continue;
      Applier* a = &ctx_.applier;
      auto timeout = ctx_.componentTimeout;
      std::string version = c.kubernetesVersion.str();
      out.steps.push_back({title(), h->name,
                           "upgrade kube-apiserver, kube-controller-manager, kube-scheduler on " + h->name + " to " + version,
                           /*risky=*/true, [a, h, files, timeout, version] {
                             auto kc = pki::parseKubeconfig(readFile(a->options().stateDir + "/admin.conf"), "admin.conf");
                             std::string url = a->apiUrl(h->address) + "/readyz";
                             Rollout r;
                             r.host = h;
                             r.files = files;
                             r.targetVersion = version;
                             r.timeout = timeout;
                             r.healthy = [kc, url]() -> std::string {
                               auto res = probeApi(kc, url);
                               if (res.ok()) return "";
                               return "/readyz: " + (res.error.empty() ? "HTTP " + std::to_string(res.status) : res.error);
                             };
                             return rolloutStaticPods(*a, r) + ", /readyz ok";
                           }});
    }
  }

 private:
  const UpgradeContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> controlPlaneUpgradePhase(const UpgradeContext& ctx) {
  return std::make_unique<ControlPlaneUpgradePhase>(ctx);
}

}  // namespace kforge::upgrade
