// `kforge upgrade` with the in-place strategy: observe, version policy (upgrade/version_policy.hpp), the gate
// (upgrade/gate.hpp), then one plan per hop composed of the phases of upgrade/phases.hpp. Each hop is planned
// from a fresh observation, so a re-run after a kill plans only what is left, and a chained upgrade plans its
// next hop once the previous one is done. The node-replacement and cluster-replacement strategies plug in here
// with their own phases on the same machinery (observation, gate, rollout, drain, backups, report).
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bootstrap/apply.hpp"
#include "core/plan.hpp"
#include "core/progress.hpp"
#include "upgrade/downgrade.hpp"
#include "upgrade/gate.hpp"
#include "upgrade/phases.hpp"

namespace kforge::upgrade {

struct UpgradeOptions {
  std::string stateDir;
  std::string backupDir;
  Version to;
  bool chain = false;                          // --chain: more than one minor, one hop per minor
  std::chrono::seconds componentTimeout{300};  // per host and component
  std::chrono::seconds waitTimeout{300};       // other waits (node registration)
  bool allowUnknownCorefilePlugins = false;
  std::set<std::string> ignoreGate;            // gate checks reported but not blocking
  bool allowDowngrade = false;                 // --allow-downgrade: an older `to` is a restore (upgrade/downgrade.hpp)
  std::string runId;
};

struct HopPlan {
  Version current;                  // what the control plane runs now (oldest API server)
  std::vector<Version> hops;        // every hop still to go, ending with the target
  Plan plan;                        // the steps of hops.front() (empty when nothing is left)
  std::vector<GateFinding> findings;
  std::optional<PreUpgradeBackup> restoreFrom;  // a downgrade: the plan ends by restoring this backup
  bool gateBlocks() const;
};

class InPlaceUpgrade {
 public:
  InPlaceUpgrade(const Cluster& inventory, UpgradeOptions o, Progress& progress);
  ~InPlaceUpgrade();

  // Observes the cluster and plans the next hop. Throws kforge::Error (nothing changed) on a policy refusal.
  // With allowDowngrade and an older `to`: the downgrade plan (upgrade/downgrade.hpp), one hop.
  HopPlan planNext();
  // Runs a plan from planNext (backup before each risky step).
  void run(const HopPlan& p);

 private:
  const Cluster& inventory_;
  UpgradeOptions o_;
  Progress& progress_;
  std::unique_ptr<Cluster> hop_;
  std::unique_ptr<Applier> applier_;
  std::unique_ptr<ClusterState> state_;
  std::map<std::string, ExpectedFiles> expected_;
  HopPlan planDowngrade(HopPlan hp);
  // The phases' context for the hop just looked at (expected files rendered at its version), and the gate's options
  // from the run's (risky steps and held-down hosts are the caller's).
  UpgradeContext context();
  GateOptions gateOptions() const;
};

}  // namespace kforge::upgrade
