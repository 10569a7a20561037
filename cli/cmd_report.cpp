// kforge report [RUN] --state-dir S | -f INV [-o json] [--html FILE]
//   no RUN:  the runs in <state dir>/runs, newest first
//   RUN:     one run (an id, or "latest"): its steps per host with times, the gate's findings, the probe's figures;
//            -o json prints the report file as it is; --html FILE writes one self-contained page with a timeline
//            (upgrade/report_html.hpp).
// Reads only; takes no lock (reports are replaced by rename, so a report being written is read whole, old or new).
// Exit codes (docs/exit-codes.md): 0 printed / written; 1 the HTML file could not be written; 2 bad command line
// (no state dir, --html without RUN); 3 no such run, or a report that does not parse.
#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/fs.hpp"
#include "core/inventory.hpp"
#include "core/printable.hpp"
#include "core/state_dir.hpp"
#include "upgrade/report.hpp"
#include "upgrade/report_html.hpp"

namespace kforge::cli {

namespace {

using upgrade::RunData;
using upgrade::RunReport;

struct ReportCli {
  std::string run, stateDir, inventory, html;
};

std::string stateDirOf(const ReportCli& o) {
  if (!o.inventory.empty()) return StateDir::forCluster(loadInventory(o.inventory), o.stateDir).root;
  if (o.stateDir.empty()) throw Error("kforge report: --state-dir or -f/--inventory is required", ExitCode::Usage);
  return o.stateDir;
}

std::string offset(int64_t ms, int64_t from) {
  if (!ms) return "-";
  double s = static_cast<double>(ms - from) / 1000;
  char buf[32];
  int whole = static_cast<int>(s);
  std::snprintf(buf, sizeof buf, "+%d:%02d.%d", whole / 60, whole % 60, static_cast<int>((s - whole) * 10));
  return buf;
}

std::string seconds(int64_t fromMs, int64_t toMs) {
  if (!fromMs || !toMs) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(toMs - fromMs) / 1000);
  return buf;
}

// Text from a report file: it may have been edited, so escaped again for the terminal.
std::string p(const std::string& s, size_t max = 300) { return printable(s, max); }

void printRun(const RunData& r) {
  std::cout << "run " << p(r.runId) << "  cluster " << p(r.cluster) << "  " << p(r.commandKey) << "\n"
            << "  " << p(r.fromVersion.empty() ? "?" : r.fromVersion) << " -> " << p(r.toVersion.empty() ? "?" : r.toVersion)
            << (r.strategy.empty() ? "" : ", strategy " + p(r.strategy)) << ", started "
            << upgrade::formatUtcMs(r.startedMs) << ", "
            << (r.finished() ? "finished " + upgrade::formatUtcMs(r.finishedMs) : std::string("not finished"))
            << ": " << p(r.outcome) << " (" << r.attempts.size() << " attempt" << (r.attempts.size() == 1 ? "" : "s")
            << ")\n";
  for (const auto& a : r.attempts) {
    std::cout << "\nattempt " << a.number << ": " << p(a.outcome) << ", " << offset(a.startedMs, r.startedMs) << " to "
              << offset(a.finishedMs, r.startedMs) << " (" << seconds(a.startedMs, a.finishedMs) << ")\n"
              << "  " << p(a.commandLine, 1000) << "\n";
    if (!a.error.empty()) std::cout << "  error: " << p(a.error, 2000) << "\n";
    if (!a.gate.empty()) {
      std::cout << "  gate:\n";
      for (const auto& g : a.gate)
        std::cout << "    " << std::left << std::setw(8) << p(g.result, 20) << " " << std::setw(22) << p(g.check, 100)
                  << " " << std::setw(12) << (g.host.empty() ? "(cluster)" : p(g.host, 100)) << " " << p(g.message, 2000)
                  << "\n";
    }
    // Steps per host (cluster-wide first), each host's in order.
    std::vector<std::string> hosts;
    for (const auto& s : a.steps)
      if (std::find(hosts.begin(), hosts.end(), s.host) == hosts.end()) hosts.push_back(s.host);
    std::stable_partition(hosts.begin(), hosts.end(), [](const std::string& h) { return h.empty(); });
    if (!a.steps.empty()) std::cout << "  steps:\n";
    for (const auto& h : hosts) {
      std::cout << "    " << (h.empty() ? "(cluster)" : p(h, 100)) << "\n";
      for (const auto& s : a.steps) {
        if (s.host != h) continue;
        std::cout << "      " << std::left << std::setw(10) << offset(s.startMs, r.startedMs) << std::right << std::setw(9)
                  << seconds(s.startMs, s.endMs) << "  " << std::left << std::setw(11) << p(s.result, 20) << " "
                  << std::setw(16) << p(s.phase, 100) << " " << p(s.description, 200);
        if (!s.backupId.empty() && s.phase != "backup") std::cout << "  [backup " << p(s.backupId, 128) << " before]";
        if (!s.detail.empty()) std::cout << (s.result == "failed" ? ": " : " (") << p(s.detail, 400)
                                         << (s.result == "failed" ? "" : ")");
        std::cout << "\n";
      }
    }
    if (a.probe) {
      const auto& f = *a.probe;
      std::cout << "  availability probe: " << std::fixed << std::setprecision(1) << f.durationSeconds << " s, a write every "
                << std::setprecision(0) << f.intervalMs << " ms per channel"
                << (f.recoveredFromJournal ? " (the attempt was killed: recovered from its journal by the next attempt, "
                                             "to its last journalled write; no CPU figure)"
                                           : "")
                << "\n";
      for (const auto& c : f.channels) {
        std::cout << std::setprecision(2) << "    " << std::left << std::setw(9) << p(c.channel, 40) << " attempted "
                  << c.attempted << ", acknowledged " << c.acknowledged << ", failed " << c.failed
                  << ", read-back failed " << c.readBackFailed << ", lost "
                  << (c.verified ? std::to_string(c.lost) : std::string("unverified")) << ", longest gap "
                  << c.longestGapSeconds << " s at " << offset(f.startedAtMs + static_cast<int64_t>(c.longestGapStart * 1000), r.startedMs)
                  << std::setprecision(1) << ", latency p50 " << c.latencyP50Ms << " / p99 " << c.latencyP99Ms
                  << " / max " << c.latencyMaxMs << " ms\n";
        if (!c.lastError.empty()) std::cout << "      last error: " << p(c.lastError) << "\n";
        if (!c.checkError.empty()) std::cout << "      not checked: " << p(c.checkError) << "\n";
        if (!c.cleanupError.empty()) std::cout << "      not cleaned up: " << p(c.cleanupError) << "\n";
      }
      std::cout.unsetf(std::ios::floatfield);
    }
  }
}

int listRuns(GlobalOptions& g, const std::string& stateDir) {
  auto runs = RunReport::list(stateDir);
  if (g.json()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : runs) {
      nlohmann::json j = upgrade::toJson(r);
      j.erase("attempts");
      j["attempts"] = r.attempts.size();
      arr.push_back(j);
    }
    std::cout << nlohmann::json{{"runs", arr}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  if (runs.empty()) {
    std::cout << "no runs in " << p(RunReport::runsDir(stateDir), 1000) << "\n";
    return 0;
  }
  std::cout << std::left << std::setw(22) << "RUN" << std::setw(16) << "CLUSTER" << std::setw(26) << "STARTED"
            << std::setw(11) << "DURATION" << std::setw(9) << "ATTEMPTS" << std::setw(11) << "OUTCOME" << "COMMAND\n";
  for (const auto& r : runs)
    std::cout << std::setw(22) << p(r.runId, 64) << std::setw(16) << p(r.cluster, 15) << std::setw(26)
              << upgrade::formatUtcMs(r.startedMs) << std::setw(11) << seconds(r.startedMs, r.finishedMs) << std::setw(9)
              << r.attempts.size() << std::setw(11) << p(r.outcome, 10) << p(r.commandKey, 200) << "\n";
  return 0;
}

int report(GlobalOptions& g, const ReportCli& o) {
  const std::string stateDir = stateDirOf(o);
  if (o.run.empty()) {
    if (!o.html.empty()) throw Error("kforge report --html needs a RUN (an id, or latest)", ExitCode::Usage);
    return listRuns(g, stateDir);
  }
  std::string path;
  if (o.run == "latest") {
    auto runs = RunReport::list(stateDir);
    if (runs.empty()) throw Error("no runs in " + RunReport::runsDir(stateDir), ExitCode::InvalidInput);
    path = RunReport::pathFor(stateDir, runs.front().runId);
  } else {
    path = RunReport::pathFor(stateDir, o.run);
    if (!fileExists(path))
      throw Error("no run " + o.run + " in " + RunReport::runsDir(stateDir) + " (kforge report --state-dir " + stateDir +
                      " lists them)",
                  ExitCode::InvalidInput);
  }
  RunData r = RunReport::load(path);
  if (!o.html.empty()) {
    writeFileAtomic(o.html, upgrade::renderReportHtml(r), 0600);
    if (g.json())
      std::cout << nlohmann::json{{"runId", r.runId}, {"html", o.html}}.dump(2) << "\n";
    else
      std::cout << "wrote " << p(o.html, 1000) << " (run " << p(r.runId) << ")\n";
    return 0;
  }
  if (g.json()) {
    std::cout << readFile(path);  // the report as it is on disk (it parsed just above)
    return 0;
  }
  printRun(r);
  return 0;
}

}  // namespace

void registerReport(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<ReportCli>();
  auto* cmd = app.add_subcommand("report", "list upgrade runs, print one (steps, gate, probe), or write it as an HTML timeline");
  cmd->add_option("run", o->run, "run id, or 'latest' (none: list the runs)");
  cmd->add_option("--state-dir", o->stateDir, "cluster state directory (holds runs/)");
  cmd->add_option("-f,--inventory", o->inventory, "inventory file (its state directory, unless --state-dir)");
  cmd->add_option("--html", o->html, "write one self-contained HTML page with the run's timeline to FILE");
  cmd->callback([&g, o] { runGuarded(g, [&] { return report(g, *o); }); });
}

}  // namespace kforge::cli
