#include "upgrade/inplace.hpp"

#include "bootstrap/local_api_server_down.hpp"
#include "bootstrap/phases.hpp"
#include "core/error.hpp"
#include "core/version_catalog.hpp"
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

UpgradeContext InPlaceUpgrade::context() {
  expected_.clear();
  for (const Host* h : hop_->hosts())
    expected_[h->name] = expectedFiles(*hop_, *h, state_->base.facts.at(h->name), o_.stateDir);
  return UpgradeContext{*hop_, *applier_, *state_, expected_, o_.runId, o_.componentTimeout};
}

GateOptions InPlaceUpgrade::gateOptions() const {
  GateOptions go;
  go.stateDir = o_.stateDir;
  go.backupDir = o_.backupDir;
  go.allowUnknownCorefilePlugins = o_.allowUnknownCorefilePlugins;
  go.ignore = o_.ignoreGate;
  return go;
}

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
  if (o_.allowDowngrade && restoreUnfinished(o_.stateDir)) {
    // A downgrade killed during its restore: the API may be down; finish the restore without looking.
    hop_ = std::make_unique<Cluster>(inventory_);
    hop_->kubernetesVersion = o_.to;
    hp.current = o_.to;
    hp.hops = {o_.to};
    hp.restoreFrom = findPreUpgradeBackup(*hop_, o_.stateDir, o_.backupDir);
    hp.plan.steps.push_back(
        restoreStep(*hop_, *hp.restoreFrom, o_.stateDir, o_.backupDir, o_.waitTimeout, progress_));
    return hp;
  }
  look(o_.to);
  auto current = state_->oldestApiServer();
  if (!current)
    throw Error("no kube-apiserver mirror pod found in kube-system: cannot tell which release the control plane runs",
                ExitCode::Preflight);
  hp.current = *current;
  if (o_.allowDowngrade && o_.to < *current) return planDowngrade(std::move(hp));
  hp.hops = upgradeHops(*current, o_.to, o_.chain);
  if (hp.hops.empty()) hp.hops.push_back(o_.to);  // at the target: finish what a killed run left (or nothing)
  if (hp.hops.front() != o_.to) look(hp.hops.front());

  UpgradeContext ctx = context();
  PhaseContext pctx{*hop_, *applier_, state_->base, expected_};
  std::vector<std::unique_ptr<Phase>> phases;
  phases.push_back(etcdMembersPhase(ctx));
  phases.push_back(controlPlaneUpgradePhase(ctx));
  phases.push_back(addonsPhase(pctx));
  phases.push_back(kubeletUpgradePhase(ctx));
  Plan work;
  for (auto& p : phases) p->plan(work);
  // First, what a killed run left stopped (a control plane's API server held down around its etcd member).
  std::set<std::string> heldDown;
  for (const Host* h : hop_->controlPlaneHosts()) {
    auto held = heldDownComponents(*applier_, *h);
    if (held.empty()) continue;
    heldDown.insert(h->name);
    std::string names;
    for (const auto& d : held) names += (names.empty() ? "" : ", ") + d.component;
    Applier* a = applier_.get();
    auto timeout = o_.componentTimeout;
    hp.plan.steps.push_back({"recover", h->name, "put back " + names + ", held down by an interrupted run (" + held.front().aside + ")",
                             /*risky=*/false, [a, h, held, timeout] { return putBackHeldDown(*a, *h, held, timeout); }});
  }
  if (!work.empty()) {
    prepullPhase(ctx)->plan(hp.plan);  // before anything stops
    hp.plan.steps.insert(hp.plan.steps.end(), work.steps.begin(), work.steps.end());
  }
  GateOptions go = gateOptions();
  go.heldDown = heldDown;
  for (const auto& s : hp.plan.steps) go.riskySteps += s.risky ? 1 : 0;
  hp.findings = runGate(*hop_, *state_, go);
  return hp;
}

HopPlan InPlaceUpgrade::planDowngrade(HopPlan hp) {
  componentTags(o_.to);  // throws with the catalog's list when the target is unknown
  hp.hops = {o_.to};
  hp.restoreFrom = findPreUpgradeBackup(*hop_, o_.stateDir, o_.backupDir);  // before anything else: none, no plan
  UpgradeContext ctx = context();
  Plan kubelets;
  kubeletUpgradePhase(ctx)->plan(kubelets);  // first: a kubelet may be older than the API server, never newer
  if (!kubelets.empty()) prepullPhase(ctx)->plan(hp.plan);
  hp.plan.steps.insert(hp.plan.steps.end(), kubelets.steps.begin(), kubelets.steps.end());
  hp.plan.steps.push_back(restoreStep(*hop_, *hp.restoreFrom, o_.stateDir, o_.backupDir, o_.waitTimeout, progress_));
  GateOptions go = gateOptions();
  go.riskySteps = 1;  // the restore's backup of the live cluster
  go.ignore.insert("kubelet-skew");  // kubelets newer than the target: what this plan fixes first
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
  // A hop's risky steps (etcd members, control planes) all run while its oldest API server is still at p.current:
  // that is the release the backups hold data of.
  runPlan(p.plan, progress_, [&](const Step& s) { applier_->backupBefore(s, p.current.str()); });
}

}  // namespace kforge::upgrade
