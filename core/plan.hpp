// Observe -> plan -> apply. A Plan is the list of steps a command would run, computed from the difference
// between the inventory and what was observed on the hosts. `plan` prints it; `apply` prints it, then runs it.
// Phases (k0sctl's phase manager, kubeadm's phases) each contribute steps; a re-run after an interruption
// observes again and plans only what is left.
#pragma once
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "core/progress.hpp"

namespace kforge {

struct Step {
  std::string phase;        // e.g. "etcd", "control-plane", "upload-pki"
  std::string host;         // "" for a cluster-wide step
  std::string description;  // what will change, for people: "write 3 manifests", "add etcd member cp2 as learner"
  bool risky = false;       // restarts, replaces or removes an etcd member or control-plane node: backup first
  std::function<std::string()> run;  // returns a short result detail; throws kforge::Error on failure
  bool parallel = false;    // consecutive parallel steps of one phase (on different hosts) run at the same time
  int batch = 0;            // ... and of one batch (upgrade's worker batches of maxUnavailableWorkers)
};

struct Plan {
  std::vector<Step> steps;
  bool empty() const { return steps.empty(); }
  // Text: numbered steps grouped by phase; JSON: {"steps":[{phase,host,description,risky}]}.
  void print(std::ostream& out, bool json) const;
};

// A phase: one unit of the bootstrap/upgrade flow (like kubeadm's phases/<name> and k0sctl's phase/*.go).
class Phase {
 public:
  virtual ~Phase() = default;
  virtual std::string title() const = 0;
  // Adds the steps this phase needs given what was observed (nothing when the hosts already match).
  virtual void plan(Plan& out) = 0;
};

// Runs a plan's steps in order, reporting each; stops at the first failure (rethrown after reporting).
// Consecutive steps of one phase marked `parallel` run concurrently (one thread each, at most 32 at a time);
// when one fails, the others of the group finish and the first failure is rethrown.
// beforeRisky, when set, runs before every risky step (the caller takes a verified etcd backup there, or throws
// to refuse the step).
void runPlan(const Plan& plan, Progress& progress, const std::function<void(const Step&)>& beforeRisky = {});

}  // namespace kforge
