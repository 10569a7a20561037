// `kforge certs check-expiration` and `kforge certs renew <name|all>` (kubeadm's, see docs/pki.md).
// They work on a node (/etc/kubernetes), on a rendered bundle (--dir DIR: DIR/etc/kubernetes/...), or on the
// cluster state dir (--state-dir DIR [--host NAME]). check-expiration -f INV reads every host over SSH instead
// (bootstrap/host_certs.hpp): kubeadm's tables per host, where a host differs from the state dir, --warn-days
// (exit 10 when something expires within it), a Prometheus textfile.
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/file_permissions.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/state_dir.hpp"
#include "bootstrap/host_certs.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/session.hpp"
#include "pki/expiration.hpp"
#include "pki/renew.hpp"

namespace kforge::cli {

namespace {

struct CertsOptions {
  std::string dir = "/";
  std::string stateDir;
  std::string host;
  std::string name;
  int waitLock = 0;
  std::string inventory;
  int warnDays = 30;
  std::string textfile;
  bool apply = false;
  int timeoutSeconds = 300;
};

std::vector<std::string> stateHosts(const std::string& stateDir) {
  std::vector<std::string> hosts;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(stateDir + "/hosts", ec))
    if (e.is_directory()) hosts.push_back(e.path().filename().string());
  std::sort(hosts.begin(), hosts.end());
  return hosts;
}

void requireDir(const std::string& path, const std::string& what) {
  if (!std::filesystem::is_directory(path)) throw Error(what + " " + path + " is not a directory", ExitCode::Failure);
}

// check-expiration -f INV: one remote command per host, in parallel.
int checkHosts(const GlobalOptions& g, const CertsOptions& o) {
  Cluster c = loadInventory(o.inventory);
  StateDir state = StateDir::forCluster(c, o.stateDir);
  std::vector<ssh::FleetHost> fleetHosts;
  for (const Host* h : c.hosts()) fleetHosts.push_back({h->name, {h->address, c.ssh.port}});
  ssh::Fleet fleet(fleetHosts, ssh::SessionOptions::fromSpec(c.ssh), c.ssh.concurrency);
  std::map<std::string, HostCerts> read;
  std::mutex mu;
  std::string script = hostCertsScript();
  auto res = fleet.run("certs", [&](const ssh::FleetHost& fh, ssh::Session& s) {
    auto certs = parseHostCerts(ssh::execChecked(s, script).out);
    std::lock_guard lock(mu);
    read[fh.name] = certs;
    return std::string();
  });
  std::time_t now = std::time(nullptr);
  std::vector<HostCertReport> reports;
  std::vector<std::string> unreachable;
  for (const Host* h : c.hosts()) {
    auto it = read.find(h->name);
    if (it == read.end()) {
      const auto* r = res.find(h->name);
      unreachable.push_back(h->name + ": " + (r ? r->detail : "not reached"));
      continue;
    }
    reports.push_back(hostCertReport(c, *h, it->second, state.root));
  }
  auto expiring = expiringWithin(reports, now, o.warnDays);
  if (g.json()) {
    nlohmann::ordered_json j;
    j["warnDays"] = o.warnDays;
    j["hosts"] = nlohmann::ordered_json::array();
    for (const auto& rep : reports) {
      auto info = nlohmann::ordered_json::parse(pki::renderExpirationJson(rep.info(), now));
      nlohmann::ordered_json differs = nlohmann::ordered_json::array();
      for (const auto& r : rep.rows)
        if (r.differs()) differs.push_back({{"name", r.name}, {"serial", r.serial}, {"stateDirSerial", r.stateSerial}});
      j["hosts"].push_back({{"host", rep.host}, {"expiration", info}, {"differsFromStateDir", differs}});
    }
    j["expiring"] = expiring;
    j["unreachable"] = unreachable;
    std::cout << j.dump(2) << "\n";
  } else {
    for (const auto& rep : reports) {
      std::cout << "[" << rep.host << "]\n" << pki::renderExpirationText(rep.info(), now);
      for (const auto& r : rep.rows)
        if (r.differs())
          std::cout << "! " << rep.host << ": " << r.name << " differs from the state dir (serial " << r.serial
                    << " on the host, " << r.stateSerial << " in " << state.root
                    << "): renewed on the host, or never pushed (`kforge apply` writes the state dir's copy)\n";
      std::cout << "\n";
    }
  }
  if (!o.textfile.empty()) writeFileAtomic(o.textfile, certMetrics(c.name, reports, now), 0644);
  for (const auto& u : unreachable) std::cerr << "error: cannot read the certificates of " << u << "\n";
  if (!unreachable.empty()) return static_cast<int>(ExitCode::Unreachable);
  if (!expiring.empty()) {
    std::string list;
    for (const auto& e : expiring) list += (list.empty() ? "" : ", ") + e;
    std::cerr << "warning: " << expiring.size() << " certificate" << (expiring.size() == 1 ? "" : "s")
              << " expire within " << o.warnDays << " days: " << list << "\n";
    return static_cast<int>(ExitCode::Expiring);
  }
  return 0;
}

int checkExpiration(const GlobalOptions& g, const CertsOptions& o) {
  if (!o.inventory.empty()) return checkHosts(g, o);
  pki::NodeLayout layout;
  if (!o.stateDir.empty()) {
    if (o.host.empty()) throw Error("--state-dir needs --host NAME (the host whose certificates to check)", ExitCode::Failure);
    requireDir(o.stateDir + "/hosts/" + o.host, "host directory");
    layout = pki::NodeLayout::stateHost(o.stateDir, o.host);
  } else {
    layout = pki::NodeLayout::hostRoot(o.dir);
    requireDir(layout.kubeconfigDir, "--dir: kubernetes directory");
  }
  auto info = pki::checkExpiration(layout);
  std::time_t now = std::time(nullptr);
  std::cout << (g.json() ? pki::renderExpirationJson(info, now) : pki::renderExpirationText(info, now));
  return 0;
}

// renew NAME -f INV --apply: under apply's lock, a verified backup, the renewal in the state dir, then apply
// (push, rolling restart of what uses the renewed files, verified).
int renewAndApply(GlobalOptions& g, const CertsOptions& o) {
  if (!o.apply) throw Error("certs renew -f INV needs --apply (renew, push and restart in one run); without a cluster "
                            "run, use --state-dir", ExitCode::Usage);
  if (!o.host.empty()) throw Error("certs renew -f INV --apply renews every host (--host is for --state-dir)", ExitCode::Usage);
  LockedApply l;
  l.inventory = o.inventory;
  l.stateDir = o.stateDir;
  l.waitLock = o.waitLock;
  l.timeoutSeconds = o.timeoutSeconds;
  l.backupReason = "pre-certs-renew";
  std::string name = o.name;
  bool json = g.json();
  l.underLock = [name, json](const std::string& stateRoot) {
    std::time_t now = std::time(nullptr);
    std::vector<std::pair<std::string, pki::NodeLayout>> layouts;
    for (const auto& h : stateHosts(stateRoot)) layouts.emplace_back(h, pki::NodeLayout::stateHost(stateRoot, h));
    if ((name == "all" || name == "admin.conf") && fileExists(stateRoot + "/admin.conf"))
      layouts.emplace_back("state admin.conf", pki::NodeLayout::stateAdmin(stateRoot));
    int renewed = 0;
    for (const auto& [label, layout] : layouts) renewed += static_cast<int>(pki::renewCerts(layout, name, now).renewed.size());
    (json ? std::cerr : std::cout) << "Renewed " << renewed << " certificate" << (renewed == 1 ? "" : "s")
                                   << " in the state dir; pushing them and restarting what uses them.\n";
  };
  return applyLocked(g, l);
}

int renew(GlobalOptions& g, const CertsOptions& o) {
  if (!o.inventory.empty() || o.apply) {
    if (o.inventory.empty()) throw Error("--apply needs -f INV", ExitCode::Usage);
    return renewAndApply(g, o);
  }
  std::vector<std::pair<std::string, pki::NodeLayout>> layouts;  // label, layout
  // The state dir: the cluster lock apply and backup take (apply copies these files to the hosts). A node or a
  // bundle: a lock on its pki directory itself, so two renewals there never mix their key and certificate files.
  std::unique_ptr<FileLock> lock;
  if (!o.stateDir.empty()) {
    requireDir(o.stateDir, "--state-dir");
    checkPrivateDir(o.stateDir, "state directory");
    lock = std::make_unique<FileLock>(StateDir{o.stateDir}.lockFile(), "certs renew", o.waitLock);
    std::vector<std::string> hosts = o.host.empty() ? stateHosts(o.stateDir) : std::vector<std::string>{o.host};
    for (const auto& h : hosts) {
      requireDir(o.stateDir + "/hosts/" + h, "host directory");
      layouts.emplace_back(h, pki::NodeLayout::stateHost(o.stateDir, h));
    }
    if (o.host.empty() && (o.name == "all" || o.name == "admin.conf") && fileExists(o.stateDir + "/admin.conf"))
      layouts.emplace_back("state admin.conf", pki::NodeLayout::stateAdmin(o.stateDir));
  } else {
    auto l = pki::NodeLayout::hostRoot(o.dir);
    requireDir(l.kubeconfigDir, "--dir: kubernetes directory");
    lock = FileLock::directory(l.kubeconfigDir, "certs renew", o.waitLock);
    layouts.emplace_back("", l);
  }
  std::time_t now = std::time(nullptr);
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  pki::RenewOutcome total;
  for (const auto& [label, layout] : layouts) {
    auto r = pki::renewCerts(layout, o.name, now);
    if (!g.json()) {
      if (layouts.size() > 1 || !label.empty()) std::cout << "[" << label << "]\n";
      for (const auto& m : r.messages) std::cout << m << "\n";
    }
    out.push_back({{"host", label}, {"renewed", r.renewed}, {"external", r.external}, {"missing", r.missing},
                   {"restart", r.restart}});
    for (auto& n : r.renewed) total.renewed.push_back(n);
    for (auto& c : r.restart)
      if (std::find(total.restart.begin(), total.restart.end(), c) == total.restart.end()) total.restart.push_back(c);
  }
  static const std::vector<std::string> order = {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"};
  std::sort(total.restart.begin(), total.restart.end(), [](const std::string& a, const std::string& b) {
    return std::find(order.begin(), order.end(), a) < std::find(order.begin(), order.end(), b);
  });
  if (g.json()) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "\n" << pki::renewSummary(total) << "\n";
    if (!o.stateDir.empty() && !total.renewed.empty())
      std::cout << "The state dir was updated; run `kforge apply` to copy the renewed files to the hosts.\n";
  }
  return 0;
}

}  // namespace

void registerCerts(CLI::App& app, GlobalOptions& g) {
  auto* certs = app.add_subcommand("certs", "check and renew the cluster's certificates (kubeadm-compatible)");
  certs->require_subcommand(1);
  auto opts = std::make_shared<CertsOptions>();
  auto addWhere = [&](CLI::App* cmd) {
    cmd->add_option("--dir", opts->dir,
                    "root of a node's files: reads DIR/etc/kubernetes (default /, the node itself; a rendered bundle "
                    "directory works too)");
    cmd->add_option("--state-dir", opts->stateDir, "the cluster state dir (.kforge/<cluster>) instead of --dir");
    cmd->add_option("--host", opts->host, "with --state-dir: the host to work on (renew: default every host)");
  };
  auto* check = certs->add_subcommand("check-expiration", "print when each certificate and CA expires");
  addWhere(check);
  check->add_option("-f,--inventory", opts->inventory,
                    "read every host of this inventory over SSH (one command per host) and compare with the state dir");
  check->add_option("--warn-days", opts->warnDays,
                    "with -f: exit 10 when a certificate or CA expires within this many days (default 30)");
  check->add_option("--textfile", opts->textfile,
                    "with -f: write a Prometheus textfile (days left per certificate per host) for node_exporter");
  check->callback([&g, opts] { runGuarded(g, [&] { return checkExpiration(g, *opts); }); });

  auto* ren = certs->add_subcommand("renew", "renew leaf certificates with the local CAs (never the CAs)");
  std::string names = "all";
  for (const auto& n : pki::renewableNames()) names += ", " + n;
  ren->add_option("name", opts->name, "what to renew: " + names)->required();
  addWhere(ren);
  ren->add_option("--wait-lock", opts->waitLock, "seconds to wait for another kforge run on this cluster or node");
  ren->add_option("-f,--inventory", opts->inventory, "with --apply: the cluster (its state dir is renewed)");
  ren->add_flag("--apply", opts->apply,
                "with -f: under the cluster lock, a verified etcd backup, renew in the state dir, push to the hosts and "
                "restart what uses the renewed files, one at a time (as `kforge apply` does), unattended");
  ren->add_option("--timeout", opts->timeoutSeconds, "with --apply: seconds to wait for each component (default 300)");
  ren->callback([&g, opts] { runGuarded(g, [&] { return renew(g, *opts); }); });
}

}  // namespace kforge::cli
