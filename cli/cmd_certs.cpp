// `kforge certs check-expiration` and `kforge certs renew <name|all>` (kubeadm's, see docs/pki.md).
// They work on a node (/etc/kubernetes), on a rendered bundle (--dir DIR: DIR/etc/kubernetes/...), or on the
// cluster state dir (--state-dir DIR [--host NAME]).
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/file_permissions.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/state_dir.hpp"
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

int checkExpiration(const GlobalOptions& g, const CertsOptions& o) {
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

int renew(const GlobalOptions& g, const CertsOptions& o) {
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
  check->callback([&g, opts] { runGuarded(g, [&] { return checkExpiration(g, *opts); }); });

  auto* ren = certs->add_subcommand("renew", "renew leaf certificates with the local CAs (never the CAs)");
  std::string names = "all";
  for (const auto& n : pki::renewableNames()) names += ", " + n;
  ren->add_option("name", opts->name, "what to renew: " + names)->required();
  addWhere(ren);
  ren->add_option("--wait-lock", opts->waitLock, "seconds to wait for another kforge run on this cluster or node");
  ren->callback([&g, opts] { runGuarded(g, [&] { return renew(g, *opts); }); });
}

}  // namespace kforge::cli
