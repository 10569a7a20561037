#include "upgrade/inplace.hpp"

#include "bootstrap/phases.hpp"
#include "core/error.hpp"
#include "upgrade/phases.hpp"
#include "upgrade/version_policy.hpp"

namespace kforge::upgrade {

bool HopPlan::gateBlocks() const {
  for (const auto& f : findings)
    if (f.blocking) return true;
  return false;
}

InPlaceUpgrade::InPlaceUpgrade(const Cluster& inventory, UpgradeOptions o, Progress& progress)
    : inventory_(inventory), o_(std::move(o)), progress_(progress) {}

InPlaceUpgrade::~InPlaceUpgrade() = default;

HopPlan InPlaceUpgrade::planNext() {
  HopPlan hp;
  // First look at the cluster with the inventory's version to learn what runs.
  auto look = [&](const Version& v) {
    applier_.reset();
    hop_ = std::make_unique<Cluster>(inventory_);
    hop_->kubernetesVersion = v;
    ApplyOptions ao;
    ao.stateDir = o_.stateDir;
    ao.backupDir = o_.backupDir;
    ao.waitTimeout = o_.waitTimeout;
    applier_ = std::make_unique<Applier>(*hop_, ao, progress_);
    state_ = std::make_unique<ClusterState>(observeCluster(*hop_, *applier_, o_.stateDir));
  };
  look(o_.to);
  auto current = state_->oldestApiServer();
  if (!current)
    throw Error("no kube-apiserver mirror pod found in kube-system: cannot tell which release the control plane runs",
                ExitCode::Preflight);
  hp.current = *current;
  hp.hops = upgradeHops(*current, o_.to, o_.chain);
  if (hp.hops.empty()) hp.hops.push_back(o_.to);  // at the target: finish what a killed run left (or nothing)
  if (hp.hops.front() != o_.to) look(hp.hops.front());

  expected_.clear();
  for (const Host* h : hop_->hosts())
    expected_[h->name] = expectedFiles(*hop_, *h, state_->base.facts.at(h->name), o_.stateDir);
  UpgradeContext ctx{*hop_, *applier_, *state_, expected_, o_.runId, o_.componentTimeout};
  PhaseContext pctx{*hop_, *applier_, state_->base, expected_};
  std::vector<std::unique_ptr<Phase>> phases;
  phases.push_back(etcdMembersPhase(ctx));
  phases.push_back(controlPlaneUpgradePhase(ctx));
  phases.push_back(addonsPhase(pctx));
  phases.push_back(kubeletUpgradePhase(ctx));
  Plan work;
  for (auto& p : phases) p->plan(work);
  if (!work.empty()) {
    prepullPhase(ctx)->plan(hp.plan);  // before anything stops
    hp.plan.steps.insert(hp.plan.steps.end(), work.steps.begin(), work.steps.end());
  }
  GateOptions go;
  go.stateDir = o_.stateDir;
  go.backupDir = o_.backupDir;
  for (const auto& s : hp.plan.steps) go.riskySteps += s.risky ? 1 : 0;
  go.allowUnknownCorefilePlugins = o_.allowUnknownCorefilePlugins;
  go.ignore = o_.ignoreGate;
  hp.findings = runGate(*hop_, *state_, go);
  return hp;
}

void InPlaceUpgrade::run(const HopPlan& p) {
  if (p.gateBlocks()) {
    std::string msg = "the upgrade gate failed; nothing was changed:";
    for (const auto& f : p.findings)
      if (f.blocking) msg += "\n  " + f.check + (f.host.empty() ? "" : " on " + f.host) + ": " + f.message;
    throw Error(msg, ExitCode::Preflight);
  }
  runPlan(p.plan, progress_, [&](const Step& s) { applier_->backupBefore(s); });
}

}  // namespace kforge::upgrade
