// Phase "files": every host's PKI, kubeconfigs, kubelet config, flags and unit, written where they differ
// (changed files copied aside first), all hosts in parallel.
#include "bootstrap/apply.hpp"
#include "bootstrap/phases.hpp"

namespace kforge {

namespace {
class FilesPhase : public Phase {
 public:
  explicit FilesPhase(const PhaseContext& ctx) : ctx_(ctx) {}
  std::string title() const override { return "files"; }
  void plan(Plan& out) override {
    for (const Host* h : ctx_.cluster.hosts()) {
      const ExpectedFiles& e = ctx_.expected.at(h->name);
      int n = filesDiffering(e.node, ctx_.obs.facts.at(h->name));
      if (n == 0) continue;
      Applier* a = &ctx_.applier;
      const Observation* obs = &ctx_.obs;
      FileSet files = e.node;
      out.steps.push_back({title(), h->name,
                           "write " + std::to_string(n) + " of " + std::to_string(files.size()) +
                               " PKI, kubeconfig and kubelet files",
                           false, [a, h, files, obs] { return a->uploadWithBackup(*h, files, obs->facts.at(h->name)); },
                           /*parallel=*/true});
    }
  }

 private:
  const PhaseContext& ctx_;
};
}  // namespace

std::unique_ptr<Phase> filesPhase(const PhaseContext& ctx) { return std::make_unique<FilesPhase>(ctx); }

}  // namespace kforge
