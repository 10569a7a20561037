// kforge upgrade plan  -f INV --to vX.Y.Z : observe, version policy, gate, print every step per host (changes nothing).
// kforge upgrade apply -f INV --to vX.Y.Z : the same, then run it, hop after hop (--chain), under the cluster lock.
//
// Decision (issue 10): kforge never rewrites the inventory (comments, formatting and GitOps review stay the
// user's). After a successful upgrade it says which kubernetesVersion to commit; until the inventory says so,
// `kforge apply` refuses to run with an inventory older than what the cluster runs (it would be a downgrade).
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/log.hpp"
#include "core/state_dir.hpp"
#include "core/utc.hpp"
#include "pki/store.hpp"
#include "bootstrap/etcd_access.hpp"
#include "bootstrap/wait.hpp"
#include "kube/kubeconfig.hpp"
#include "upgrade/inplace.hpp"
#include "upgrade/probe.hpp"
#include "upgrade/probe_journal.hpp"
#include "upgrade/report.hpp"

namespace kforge::cli {

namespace {

struct UpgradeCli {
  std::string inventory;
  std::string stateDir;
  std::string to;
  std::string strategy = "in-place";
  bool chain = false;
  bool yes = false;
  int componentTimeout = 300;
  int waitLock = 0;
  bool allowUnknownCorefilePlugins = false;
  bool allowDowngrade = false;
  std::vector<std::string> ignoreGate;
  std::string window;
};

void runHops(GlobalOptions& g, const UpgradeCli& o, const upgrade::UpgradeOptions& uo, upgrade::InPlaceUpgrade& up,
             const Version& target, const std::optional<std::pair<int, int>>& window, bool apply, upgrade::RunReport* report,
             upgrade::AvailabilityProbe* probe);

// "HH:MM-HH:MM" (local time; may wrap midnight) -> minutes since midnight; throws on bad syntax.
std::pair<int, int> parseWindow(const std::string& w) {
  auto bad = [&] { return Error("--window '" + w + "': expected HH:MM-HH:MM in local time, e.g. 01:00-05:00", ExitCode::Usage); };
  if (w.size() != 11 || w[2] != ':' || w[5] != '-' || w[8] != ':') throw bad();
  auto num = [&](size_t at, int max) {
    if (!isdigit(static_cast<unsigned char>(w[at])) || !isdigit(static_cast<unsigned char>(w[at + 1]))) throw bad();
    int v = (w[at] - '0') * 10 + (w[at + 1] - '0');
    if (v > max) throw bad();
    return v;
  };
  return {num(0, 23) * 60 + num(3, 59), num(6, 23) * 60 + num(9, 59)};
}

bool insideWindow(std::pair<int, int> w) {
  std::time_t t = std::time(nullptr);
  std::tm lt{};
  localtime_r(&t, &lt);
  int now = lt.tm_hour * 60 + lt.tm_min;
  return w.first <= w.second ? (now >= w.first && now < w.second) : (now >= w.first || now < w.second);
}

void printPlan(const upgrade::HopPlan& p, const Version& to, bool json) {
  if (json) {
    nlohmann::json j;
    j["current"] = p.current.str();
    j["to"] = to.str();
    for (const auto& h : p.hops) j["hops"].push_back(h.str());
    j["findings"] = nlohmann::json::array();
    for (const auto& f : p.findings)
      j["findings"].push_back({{"check", f.check}, {"host", f.host}, {"message", f.message}, {"blocking", f.blocking}});
    if (p.restoreFrom)
      j["restore"] = {{"backup", p.restoreFrom->backup.id}, {"createdAt", p.restoreFrom->backup.createdAt},
                      {"revision", p.restoreFrom->backup.revision}, {"upgradeRun", p.restoreFrom->runId}};
    j["steps"] = nlohmann::json::array();
    for (const auto& s : p.plan.steps)
      j["steps"].push_back({{"phase", s.phase}, {"host", s.host}, {"description", s.description}, {"backupFirst", s.risky}});
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "Control plane runs " << p.current.str() << "; target " << to.str() << ".\n";
  if (p.hops.size() > 1) {
    std::cout << "Hops (one minor each):";
    for (const auto& h : p.hops) std::cout << " " << h.str();
    std::cout << "\n";
  }
  if (!p.findings.empty()) {
    std::cout << "Gate:\n";
    for (const auto& f : p.findings)
      std::cout << "  " << (f.blocking ? "FAIL " : "note ") << f.check << (f.host.empty() ? "" : " " + f.host) << ": "
                << f.message << "\n";
  } else {
    std::cout << "Gate: every check passed.\n";
  }
  if (p.plan.empty()) {
    std::cout << "Plan: nothing to do, the cluster runs " << p.hops.front().str() << ".\n";
    return;
  }
  if (p.restoreFrom)
    std::cout << "Going back to " << to.str() << " is a restore of backup " << p.restoreFrom->backup.id << " (taken "
              << p.restoreFrom->backup.createdAt << " at revision " << p.restoreFrom->backup.revision
              << ", before upgrade run " << p.restoreFrom->runId << "): EVERY WRITE SINCE IS LOST from the cluster "
              << "(a backup of the live cluster is taken first). The kubelets go back first; the API is down during the restore.\n";
  std::cout << (p.restoreFrom ? "Downgrade to " : "Hop to ") << p.hops.front().str() << ":\n";
  p.plan.print(std::cout, false);
  if (p.hops.size() > 1)
    std::cout << "Then " << (p.hops.size() - 1) << " more hop(s), each planned from a fresh look at the cluster.\n";
}

std::vector<upgrade::GateRecord> gateRecords(const std::vector<upgrade::GateFinding>& findings) {
  std::vector<upgrade::GateRecord> out;
  for (const auto& f : findings) out.push_back({f.check, f.host, f.blocking ? "failed" : "warning", f.message});
  if (out.empty()) out.push_back({"all", "", "ok", "every check passed"});
  return out;
}

// "etcd: 1234 writes, 0 lost, longest gap 0.4 s; kube-api: ..."
std::string probeSummary(const upgrade::ProbeFigures& f) {
  std::string out;
  for (const auto& c : f.channels) {
    char gap[32];
    std::snprintf(gap, sizeof gap, "%.1f", c.longestGapSeconds);
    out += (out.empty() ? "" : "; ") + c.channel + ": " + std::to_string(c.acknowledged) + " of " + std::to_string(c.attempted) +
           " writes acknowledged, " + std::to_string(c.lost) + " acknowledged lost, longest gap " + gap + " s";
  }
  return out;
}

// Before this attempt's probe starts: what the probes of the report's earlier attempts left. A killed attempt's
// probe never reached stop(): its journal gives its figures, checked against the stores as stop() would have
// (upgrade::recoverProbeFigures), and they go into the report; then its keys and ConfigMaps are removed as after
// any kill and, once its figures are in the report, its journal. The attempt before this one is always cleaned up
// (a probe that ran without a journal leaves keys too); an earlier one only while its journal is still there (the
// run that should have removed it was killed as well).
void settleEarlierProbes(upgrade::RunReport& report, const std::string& journalDir, const std::vector<std::string>& endpoints,
                         const etcd::TlsFiles& tls, const kube::Credentials& creds, bool quiet) {
  const int current = report.attempt();
  const upgrade::RunData run = report.data();
  for (const auto& a : run.attempts) {
    if (a.number >= current) break;
    const std::string id = report.probeIdOf(a.number);
    const auto paths = upgrade::probeJournalPaths(journalDir, id);
    if (paths.empty() && a.number != current - 1) continue;
    std::optional<upgrade::ProbeFigures> recovered;
    if (!a.probe && !paths.empty()) {
      std::vector<upgrade::ProbeJournal> journals;
      for (const auto& p : paths) {
        try {
          journals.push_back(upgrade::readProbeJournal(p));
        } catch (const std::exception& e) {
          logWarning(std::string(e.what()) + " (removed; that channel's figures of attempt " + std::to_string(a.number) +
                     " are lost)");
        }
      }
      if (!journals.empty()) recovered = upgrade::recoverProbeFigures(journals, endpoints, tls, creds);
    }
    const std::string leftovers = upgrade::removeProbeLeftovers(id, endpoints, tls, creds);
    bool keepJournals = false;
    if (recovered) {
      for (auto& c : recovered->channels) c.cleanupError = leftovers;
      keepJournals = !report.setProbe(*recovered, a.number);  // not in the report: the next run tries again
      if (!quiet)
        std::cerr << "Availability probe of attempt " << a.number << " (killed; recovered from its journal): "
                  << probeSummary(*recovered) << "\n";
    }
    if (keepJournals) continue;
    if (std::string why = upgrade::removeProbeJournals(journalDir, id); !why.empty())
      logWarning("probe journal not removed: " + why);
  }
}

int runUpgrade(GlobalOptions& g, const UpgradeCli& o, bool apply) {
  if (o.strategy != "in-place")
    throw Error("--strategy " + o.strategy + ": only in-place is implemented so far (node-replacement and "
                "cluster-replacement follow on the same machinery)", ExitCode::Usage);
  auto to = Version::parse(o.to);
  if (!to) throw Error("--to '" + o.to + "' is not a version (vX.Y.Z)", ExitCode::Usage);
  std::optional<std::pair<int, int>> window;
  if (!o.window.empty()) window = parseWindow(o.window);
  Cluster c = loadInventory(o.inventory);
  for (const auto& w : c.warnings) std::cerr << "warning: " << w << "\n";
  StateDir state = StateDir::forCluster(c, o.stateDir);
  if (!fileExists(state.root + "/admin.conf"))
    throw Error("no cluster state in " + state.root + " (kforge upgrade needs the cluster `kforge apply` built)", ExitCode::InvalidInput);
  FileLock lock(state.lockFile(), apply ? "upgrade apply" : "upgrade plan", o.waitLock);
  if (apply && window && !insideWindow(*window))
    throw Error("outside the maintenance window " + o.window + " (local time): nothing was changed", ExitCode::Blocked);

  Progress progress(g.json() ? std::cout : std::cerr, g.json());
  upgrade::UpgradeOptions uo;
  uo.stateDir = state.root;
  uo.backupDir = backupDir(c);
  uo.to = *to;
  uo.chain = o.chain;
  uo.componentTimeout = std::chrono::seconds(o.componentTimeout);
  uo.allowUnknownCorefilePlugins = o.allowUnknownCorefilePlugins;
  uo.ignoreGate = {o.ignoreGate.begin(), o.ignoreGate.end()};
  uo.allowDowngrade = o.allowDowngrade;
  uo.runId = "upgrade-" + utcNow("%Y%m%d-%H%M%S");

  // apply: the run report (continued after a kill) and the availability probe around the whole run.
  std::optional<upgrade::RunReport> report;
  std::unique_ptr<upgrade::AvailabilityProbe> probe;
  if (apply) {
    std::string line = "kforge upgrade apply -f " + o.inventory + " --to " + o.to + (o.chain ? " --chain" : "") +
                       (o.allowDowngrade ? " --allow-downgrade" : "") +
                       (o.window.empty() ? "" : " --window " + o.window) + (o.yes ? " --yes" : "");
    report = upgrade::RunReport::resumeOrStart(state.root, c.name, "upgrade apply --to " + to->str(), line);
    report->attach(progress);
    report->setStrategy("in-place");
    uo.runId = report->runId();
    auto tls = etcdTls(c, state.root);
    auto creds = kube::loadKubeconfig(state.root + "/admin.conf");
    upgrade::ProbeOptions po;
    po.journalDir = upgrade::RunReport::runsDir(state.root);
    if (report->attempt() > 1) settleEarlierProbes(*report, po.journalDir, etcdEndpoints(c), tls, creds, g.json());
    probe = std::make_unique<upgrade::AvailabilityProbe>(report->probeId(), etcdEndpoints(c), tls, creds, po);
  }
  auto finishReport = [&](bool ok, const std::string& error) {
    if (!report) return;
    if (probe && probe->running()) {
      auto figures = probe->stop();
      if (report->setProbe(figures))  // in the report: its journal is not needed any more
        if (std::string why = upgrade::removeProbeJournals(upgrade::RunReport::runsDir(state.root), report->probeId());
            !why.empty())
          logWarning("probe journal not removed: " + why);
      if (!g.json()) std::cerr << "Availability probe: " << probeSummary(figures) << "\n";
    }
    double total = progress.elapsedSeconds(), waited = waitedSeconds();
    report->finish(ok, error, waited);
    if (!g.json()) {
      char times[160];
      std::snprintf(times, sizeof times, "%.1f s (%.1f s waiting for the cluster, %.1f s kforge's own work)", total, waited,
                    total - waited);
      std::cerr << "This run: " << times << "\n";
    }
    if (!g.json()) std::cerr << "Run report: kforge report " << report->runId() << " --state-dir " << state.root << "\n";
  };
  try {
    upgrade::InPlaceUpgrade up(c, uo, progress);
    runHops(g, o, uo, up, *to, window, apply, report ? &*report : nullptr, probe.get());
  } catch (const Error& e) {
    finishReport(false, e.what());
    throw;
  }
  finishReport(true, "");
  if (apply && !g.json())
    std::cout << "The cluster runs " << to->str() << ". Commit `kubernetesVersion: " << to->str() << "` in " << o.inventory
              << " (kforge does not rewrite it; until then `kforge apply` refuses the older version).\n";
  return 0;
}

void runHops(GlobalOptions& g, const UpgradeCli& o, const upgrade::UpgradeOptions& uo, upgrade::InPlaceUpgrade& up,
             const Version& target, const std::optional<std::pair<int, int>>& window, bool apply, upgrade::RunReport* report,
             upgrade::AvailabilityProbe* probe) {
  const Version* to = &target;
  bool asked = false;
  while (true) {
    upgrade::HopPlan p = up.planNext();
    printPlan(p, *to, g.json());
    if (!apply) {
      if (p.gateBlocks()) throw Error("the upgrade gate would stop this upgrade (see above)", ExitCode::Preflight);
      return;
    }
    if (report) {
      report->setVersions(p.current.str(), to->str());
      if (p.restoreFrom) report->setStrategy("downgrade by restore");
      report->setGateFindings(gateRecords(p.findings));
    }
    if (p.plan.empty()) {
      if (p.hops.size() <= 1) break;
      throw Error("hop to " + p.hops.front().str() + " planned nothing but the control plane is not there", ExitCode::Failure);
    }
    if (!o.yes && !asked && !p.gateBlocks()) {
      if (!isatty(STDIN_FILENO))
        throw Error("not a terminal and no --yes: refusing to upgrade unattended without --yes (nothing was changed)",
                    ExitCode::Usage);
      std::cerr << (p.restoreFrom ? "Restore the backup and go back as planned? [y/N] " : "Upgrade the cluster as planned? [y/N] ")
                << std::flush;
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != "y" && answer != "Y" && answer != "yes") throw Error("not confirmed: nothing was changed", ExitCode::Usage);
      asked = true;
    }
    // Confirmed: from here on things change. A downgrade's restore takes the API down by design (and rewinds
    // etcd, so writes after the backup are gone): no probe for it.
    if (probe && !probe->running() && !p.gateBlocks() && !p.restoreFrom) probe->start();
    if (window) {
      upgrade::HopPlan guarded = std::move(p);
      for (auto& s : guarded.plan.steps) {
        auto run = s.run;
        std::string where = s.phase + (s.host.empty() ? "" : " on " + s.host);
        std::string w = o.window;
        auto win = *window;
        s.run = [run, where, w, win] {
          if (!insideWindow(win))
            throw Error("the maintenance window " + w + " closed before " + where +
                            "; run the same command in the next window to go on",
                        ExitCode::Blocked);
          return run();
        };
      }
      up.run(guarded);
    } else {
      up.run(p);
    }
    // A downgrade ends with the restore's apply at the target, which waited for every component: done. (Planning
    // another hop at once would judge the restored cluster by mirror pods the kubelets have not refreshed yet.)
    if (p.restoreFrom) break;
  }
}

void addCommon(CLI::App* cmd, UpgradeCli& o) {
  cmd->add_option("-f,--inventory", o.inventory, "inventory file")->required();
  cmd->add_option("--to", o.to, "target Kubernetes version (vX.Y.Z, in kforge's catalog)")->required();
  cmd->add_option("--strategy", o.strategy, "in-place (node-replacement and cluster-replacement: not yet)");
  cmd->add_flag("--chain", o.chain, "more than one minor ahead: one hop per minor, each run in turn");
  cmd->add_option("--state-dir", o.stateDir, "cluster state directory (default: .kforge/<cluster> beside the inventory)");
  cmd->add_option("--component-timeout", o.componentTimeout,
                  "seconds each host's upgraded component may take to become healthy before it is rolled back (default 300)");
  cmd->add_option("--wait-lock", o.waitLock, "seconds to wait for another kforge run on this cluster (default 0)");
  cmd->add_flag("--allow-unknown-corefile-plugins", o.allowUnknownCorefilePlugins,
                "go on when the live Corefile uses plugins the target's CoreDNS may not have");
  cmd->add_flag("--allow-downgrade", o.allowDowngrade,
                "a --to older than the cluster: restore the etcd backup taken before the upgrade from it (every write "
                "since is lost), the kubelets going back first (docs/operations/upgrade.md)");
  cmd->add_option("--ignore-gate", o.ignoreGate,
                  "gate checks to report without blocking: etcd, control-plane, kubelet-skew, pdb, backup-space, coredns, all")
      ->delimiter(',');
}

}  // namespace

void registerUpgrade(CLI::App& app, GlobalOptions& g) {
  auto* up = app.add_subcommand("upgrade", "upgrade the cluster's Kubernetes release (plan, apply)");
  up->require_subcommand(1);
  auto po = std::make_shared<UpgradeCli>();
  auto* plan = up->add_subcommand("plan", "print every step of the upgrade per host, with backups and the gate (changes nothing)");
  addCommon(plan, *po);
  plan->callback([&g, po] { runGuarded(g, [&] { return runUpgrade(g, *po, false); }); });
  auto ao = std::make_shared<UpgradeCli>();
  auto* apply = up->add_subcommand("apply", "run the upgrade plan");
  addCommon(apply, *ao);
  apply->add_flag("--yes", ao->yes, "do not ask for confirmation (unattended runs: schedulers, CI)");
  apply->add_option("--window", ao->window,
                    "maintenance window HH:MM-HH:MM (local time): refuse to start outside it, stop before the next step when it closes");
  apply->callback([&g, ao] { runGuarded(g, [&] { return runUpgrade(g, *ao, true); }); });
}

}  // namespace kforge::cli
