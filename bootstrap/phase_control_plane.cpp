// Phase "control-plane" (kubeadm's control-plane phase): kube-apiserver, kube-controller-manager and
// kube-scheduler manifests per control-plane host, then /readyz. Replacing the manifests of a running API
// server is risky (backup first); an unchanged host whose API server is not ready only waits for it.
#include "bootstrap/apply.hpp"
#include "bootstrap/manifests.hpp"
#include "bootstrap/phases.hpp"

namespace kforge {

namespace {
class ControlPlanePhase : public Phase {
 public:
  explicit ControlPlanePhase(const PhaseContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "control-plane"; }
  void plan(Plan& out) override {
    for (const Host* h : ctx_.cluster.controlPlaneHosts()) {
      FileSet files = ctx_.expected.at(h->name).controlPlane;
      const NodeFacts& f = ctx_.obs.facts.at(h->name);
      int n = filesDiffering(files, f);
      Applier* a = &ctx_.applier;
      const Observation* obs = &ctx_.obs;
      if (n == 0) {
        auto it = obs->apiReady.find(h->name);
        if (it != obs->apiReady.end() && !it->second)
          out.steps.push_back({title(), h->name, "kube-apiserver is not ready: wait for /readyz", false, [a, h] {
                                 a->waitApiReady(*h);
                                 return std::string("ready");
                               }});
        continue;
      }
      bool hadApiServer = f.files.count(std::string(kManifestsDir) + "/kube-apiserver.yaml") > 0;
      out.steps.push_back({title(), h->name,
                           "write " + std::to_string(n) + " control-plane manifest" + (n == 1 ? "" : "s") + ", wait for /readyz",
                           hadApiServer, [a, h, files, obs] {
                             std::string d = a->uploadWithBackup(*h, files, obs->facts.at(h->name));
                             a->waitApiReady(*h);
                             return d + ", ready";
                           }});
    }
  }

 private:
  const PhaseContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> controlPlanePhase(const PhaseContext& ctx) { return std::make_unique<ControlPlanePhase>(ctx); }

}  // namespace kforge
