// kforge etcd members|status|defrag -f INV: the cluster's etcd through kforge's gRPC client (mutual TLS with the
// state dir's certificates). defrag goes one member at a time, the leader last (defragment blocks a member).
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bootstrap/etcd_access.hpp"
#include "cli/commands.hpp"
#include "core/progress.hpp"
#include "core/state_dir.hpp"

namespace kforge::cli {

namespace {

struct EtcdCli {
  std::string inventory, stateDir;
};

std::string human(int64_t bytes) {
  char buf[32];
  if (bytes >= (1 << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1048576.0);
  else std::snprintf(buf, sizeof buf, "%.0f kB", bytes / 1024.0);
  return buf;
}

int members(GlobalOptions& g, const EtcdCli& o) {
  Cluster c = loadInventory(o.inventory);
  auto client = etcdClientFor(c, StateDir::forCluster(c, o.stateDir).root);
  auto ms = client->memberList();
  if (g.json()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& m : ms)
      arr.push_back({{"id", etcd::memberIdHex(m.id)}, {"name", m.name}, {"peerURLs", m.peerURLs},
                     {"clientURLs", m.clientURLs}, {"isLearner", m.isLearner}, {"started", m.started()}});
    std::cout << nlohmann::json{{"members", arr}}.dump(2) << "\n";
    return 0;
  }
  std::cout << std::left << std::setw(18) << "ID" << std::setw(10) << "STATUS" << std::setw(12) << "NAME" << std::setw(28)
            << "PEER URLS" << std::setw(28) << "CLIENT URLS" << "LEARNER\n";
  for (const auto& m : ms)
    std::cout << std::setw(18) << etcd::memberIdHex(m.id) << std::setw(10) << (m.started() ? "started" : "unstarted")
              << std::setw(12) << m.name << std::setw(28) << (m.peerURLs.empty() ? "" : m.peerURLs[0]) << std::setw(28)
              << (m.clientURLs.empty() ? "" : m.clientURLs[0]) << (m.isLearner ? "true" : "false") << "\n";
  return 0;
}

int status(GlobalOptions& g, const EtcdCli& o) {
  Cluster c = loadInventory(o.inventory);
  auto client = etcdClientFor(c, StateDir::forCluster(c, o.stateDir).root);
  nlohmann::json arr = nlohmann::json::array();
  bool allOk = true;
  if (!g.json())
    std::cout << std::left << std::setw(20) << "ENDPOINT" << std::setw(18) << "ID" << std::setw(9) << "VERSION"
              << std::setw(11) << "DB SIZE" << std::setw(11) << "IN USE" << std::setw(8) << "LEADER" << std::setw(11)
              << "RAFT INDEX" << "ERRORS\n";
  for (const auto& ep : client->endpoints()) {
    try {
      auto st = client->status(ep);
      std::string errors;
      for (const auto& e : st.errors) errors += (errors.empty() ? "" : "; ") + e;
      allOk = allOk && st.errors.empty();
      arr.push_back({{"endpoint", ep}, {"id", etcd::memberIdHex(st.memberId)}, {"version", st.version},
                     {"dbSize", st.dbSize}, {"dbSizeInUse", st.dbSizeInUse}, {"leader", st.isLeader()},
                     {"raftIndex", st.raftIndex}, {"raftTerm", st.raftTerm}, {"isLearner", st.isLearner},
                     {"errors", st.errors}});
      if (!g.json())
        std::cout << std::setw(20) << ep << std::setw(18) << etcd::memberIdHex(st.memberId) << std::setw(9) << st.version
                  << std::setw(11) << human(st.dbSize) << std::setw(11) << human(st.dbSizeInUse) << std::setw(8)
                  << (st.isLeader() ? "true" : "false") << std::setw(11) << st.raftIndex << errors << "\n";
    } catch (const Error& e) {
      allOk = false;
      arr.push_back({{"endpoint", ep}, {"error", e.what()}});
      if (!g.json()) std::cout << std::setw(20) << ep << "unreachable: " << e.what() << "\n";
    }
  }
  if (g.json()) std::cout << nlohmann::json{{"members", arr}, {"healthy", allOk}}.dump(2) << "\n";
  return allOk ? 0 : 1;
}

int defrag(GlobalOptions& g, const EtcdCli& o) {
  Cluster c = loadInventory(o.inventory);
  auto client = etcdClientFor(c, StateDir::forCluster(c, o.stateDir).root);
  std::vector<std::string> order, leader;
  for (const auto& ep : client->endpoints()) (client->status(ep).isLeader() ? leader : order).push_back(ep);
  order.insert(order.end(), leader.begin(), leader.end());  // the leader last
  Progress progress(g.json() ? std::cout : std::cerr, g.json());
  for (const auto& ep : order) {
    auto before = client->status(ep).dbSize;
    progress.report(ep, "defrag", StepStatus::Started);
    client->defragment(ep);
    auto after = client->status(ep).dbSize;
    progress.report(ep, "defrag", StepStatus::Ok, human(before) + " -> " + human(after));
  }
  return 0;
}

}  // namespace

void registerEtcd(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<EtcdCli>();
  auto* etcdCmd = app.add_subcommand("etcd", "the cluster's etcd: members, status, defrag");
  etcdCmd->require_subcommand(1);
  auto add = [&](const char* name, const char* help, int (*fn)(GlobalOptions&, const EtcdCli&)) {
    auto* cmd = etcdCmd->add_subcommand(name, help);
    cmd->add_option("-f,--inventory", o->inventory, "inventory file")->required();
    cmd->add_option("--state-dir", o->stateDir, "cluster state directory");
    cmd->callback([&g, o, fn] { runGuarded(g, [&] { return fn(g, *o); }); });
  };
  add("members", "list etcd members (ids exact, learners marked)", members);
  add("status", "one row per member: version, db size and in use, leader, raft index, alarms", status);
  add("defrag", "defragment every member, one at a time, the leader last", defrag);
}

}  // namespace kforge::cli
