// kforge status -f INV: one row per host — reachable, kubelet, static pods present, etcd member and health,
// API /readyz, kubelet version — from the same observation apply makes (changes nothing).
#include <iomanip>
#include <sstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bootstrap/apply.hpp"
#include "cli/commands.hpp"
#include "core/fs.hpp"
#include "core/printable.hpp"
#include "core/state_dir.hpp"

namespace kforge::cli {

namespace {
// Text from the hosts and the network (an unreachable host's error, an etcd member's, versions a host reports) in
// the JSON document: escaped and bounded as everywhere (core/printable.hpp), so it is valid UTF-8 — nlohmann's
// dump() throws on invalid UTF-8, which lost the whole status to a json type_error — and carries no raw control
// or bidi characters for whoever prints the value. The table below cuts it shorter.
std::string remoteText(const std::string& s) { return printable(s, 4000, true); }

int status(GlobalOptions& g, const std::string& inventory, const std::string& stateDir) {
  Cluster c = loadInventory(inventory);
  StateDir state = StateDir::forCluster(c, stateDir);
  std::ostringstream sink;
  Progress progress(sink, false);
  progress.setQuiet(true);
  ApplyOptions ao;
  ao.stateDir = state.root;
  Applier applier(c, ao, progress);
  Observation obs = fileExists(state.root + "/pki/etcd/ca.crt") ? applier.observe() : Observation{};
  nlohmann::json rows = nlohmann::json::array();
  bool allGood = true;
  for (const Host* h : c.hosts()) {
    nlohmann::json r{{"host", h->name}, {"address", h->address}, {"role", toString(h->role)}};
    bool reachable = obs.facts.count(h->name) > 0;
    r["reachable"] = reachable;
    if (reachable) {
      const auto& f = obs.facts.at(h->name);
      r["kubelet"] = f.kubeletActive ? "active" : "inactive";
      r["kubeletVersion"] = remoteText(f.kubeletVersion);
      std::string pods;
      for (const char* m : {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"})
        if (f.files.count(std::string("/etc/kubernetes/manifests/") + m + ".yaml")) pods += std::string(pods.empty() ? "" : ",") + m;
      r["staticPods"] = pods;
    } else {
      r["error"] = obs.unreachable.count(h->name) ? remoteText(obs.unreachable.at(h->name)) : "not observed";
      allGood = false;
    }
    if (c.isEtcdMember(*h)) {
      std::string member = "-";
      for (const auto& m : obs.members)
        for (const auto& u : m.peerURLs)
          if (u == "https://" + h->address + ":2380") member = m.isLearner ? "learner" : (m.started() ? "started" : "unstarted");
      if (member == "started") {
        try {
          auto st = applier.etcdClient().status(h->address + ":2379");
          r["etcdVersion"] = remoteText(st.version);
          r["etcdLeader"] = st.isLeader();
          std::string health = applier.etcdClient().health(h->address + ":2379");
          member = health.empty() ? "healthy" : "unhealthy: " + remoteText(health);
        } catch (const Error& e) {
          member = "unreachable: " + remoteText(e.what());
        }
      }
      r["etcd"] = member;
      allGood = allGood && member == "healthy";
    }
    if (h->role == Role::ControlPlane) {
      bool ready = obs.apiReady.count(h->name) && obs.apiReady.at(h->name);
      r["apiserver"] = ready ? "ready" : "not ready";
      allGood = allGood && ready;
    }
    if (h->role != Role::Etcd) r["node"] = obs.nodes.count(h->name) ? "registered" : "missing";
    rows.push_back(r);
  }
  if (g.json()) {
    // Every string above is valid UTF-8; replace (U+FFFD) rather than throw should one ever not be.
    std::cout << nlohmann::json{{"cluster", c.name}, {"healthy", allGood}, {"hosts", rows}}.dump(
                     2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << std::left << std::setw(10) << "HOST" << std::setw(16) << "ADDRESS" << std::setw(15) << "ROLE"
              << std::setw(11) << "REACHABLE" << std::setw(10) << "KUBELET" << std::setw(10) << "ETCD"
              << std::setw(11) << "APISERVER" << std::setw(12) << "NODE" << "VERSION\n";
    for (const auto& r : rows)
      std::cout << std::setw(10) << r["host"].get<std::string>() << std::setw(16) << r["address"].get<std::string>()
                << std::setw(15) << r["role"].get<std::string>() << std::setw(11) << (r["reachable"] ? "yes" : "NO")
                << std::setw(10) << r.value("kubelet", "-") << std::setw(10) << r.value("etcd", "-").substr(0, 9)
                << std::setw(11) << r.value("apiserver", "-") << std::setw(12) << r.value("node", "-")
                << r.value("kubeletVersion", "") << "\n";
    // Why: what the table cuts short (an unreachable host's error, an etcd member's), from the hosts and the
    // network, so escaped and bounded.
    for (const auto& r : rows) {
      const std::string host = r["host"].get<std::string>();
      if (r.contains("error")) std::cout << host << " not reachable: " << printable(r["error"].get<std::string>(), 300) << "\n";
      const std::string etcd = r.value("etcd", "-");
      if (etcd.size() > 9) std::cout << host << " etcd " << printable(etcd, 300) << "\n";
    }
    std::cout << (allGood ? "cluster healthy\n" : "cluster NOT healthy\n");
  }
  return allGood ? 0 : 1;
}
}  // namespace

void registerStatus(CLI::App& app, GlobalOptions& g) {
  auto inv = std::make_shared<std::string>();
  auto sd = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("status", "per host: reachable, kubelet, etcd member health, API readiness, versions");
  cmd->add_option("-f,--inventory", *inv, "inventory file")->required();
  cmd->add_option("--state-dir", *sd, "cluster state directory");
  cmd->callback([&g, inv, sd] { runGuarded(g, [&] { return status(g, *inv, *sd); }); });
}

}  // namespace kforge::cli
