// kforge backup -f INV            take a verified backup (stream, hash, fsync, rename, read back, metadata)
// kforge backup list|verify|prune  the backup catalog in spec.backups.dir (etcdctl/backup.hpp).
// Unattended runs: --yes, -o json, the cluster run lock (--wait-lock), exit codes (docs/exit-codes.md) and a
// Prometheus textfile (--metrics-file) for node_exporter.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bootstrap/backup_drill.hpp"
#include "bootstrap/etcd_access.hpp"
#include "cli/commands.hpp"
#include "core/utc.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/state_dir.hpp"
#include "etcdctl/backup.hpp"

namespace kforge::cli {

namespace {

struct BackupCli {
  std::string inventory, stateDir, dir, reason = "manual", metricsFile, id, drillAddress = "127.0.0.1";
  int waitLock = 0, keep = 0;
  bool drill = true;
};

std::string dirFor(const Cluster& c, const BackupCli& o) { return backupDir(c, o.dir); }

Cluster inventoryOf(const BackupCli& o) {
  if (o.inventory.empty()) throw Error("kforge backup: -f/--inventory is required", ExitCode::Usage);
  return loadInventory(o.inventory);
}

int take(GlobalOptions& g, const BackupCli& o) {
  Cluster c = inventoryOf(o);
  StateDir state = StateDir::forCluster(c, o.stateDir);
  FileLock lock(state.lockFile(), "backup", o.waitLock);
  auto client = etcdClientFor(c, state.root);
  etcd::BackupMeta meta;
  try {
    meta = etcd::takeBackup(*client, {dirFor(c, o), c.name, c.kubernetesVersion.str(), o.reason});
  } catch (const Error&) {
    if (!o.metricsFile.empty()) etcd::writeBackupMetrics(o.metricsFile, {}, false);
    throw;
  }
  if (!o.metricsFile.empty()) etcd::writeBackupMetrics(o.metricsFile, meta, true);
  if (g.json()) {
    std::cout << meta.toJson();
  } else {
    std::cout << "backup " << meta.id << ": " << meta.fileSize << " bytes from " << meta.member << " (etcd "
              << meta.etcdVersion << ", revision " << meta.revision << "), sha256 " << meta.sha256 << ", "
              << std::fixed << std::setprecision(1) << meta.durationSeconds << " s\n  "
              << etcd::BackupCatalog(dirFor(c, o), c.name).path(meta) << "\n";
  }
  return 0;
}

int list(GlobalOptions& g, const BackupCli& o) {
  Cluster c = inventoryOf(o);
  auto all = etcd::BackupCatalog(dirFor(c, o), c.name).list();
  if (g.json()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& m : all) arr.push_back(nlohmann::json::parse(m.toJson()));
    std::cout << nlohmann::json{{"backups", arr}}.dump(2) << "\n";
    return 0;
  }
  std::cout << std::left << std::setw(40) << "ID" << std::setw(22) << "CREATED" << std::setw(12) << "SIZE" << std::setw(10)
            << "REVISION" << std::setw(10) << "VERIFIED" << "REASON\n";
  for (const auto& m : all)
    std::cout << std::setw(40) << m.id << std::setw(22) << m.createdAt << std::setw(12) << m.fileSize << std::setw(10)
              << m.revision << std::setw(10) << (m.drillVerified() ? "drill" : (m.hashVerified ? "hash" : "no"))
              << m.reason << "\n";
  return 0;
}

int verify(GlobalOptions& g, const BackupCli& o) {
  Cluster c = inventoryOf(o);
  // verify rewrites the metadata (verifiedAt): the same lock as backup and prune, so it never races them.
  StateDir state = StateDir::forCluster(c, o.stateDir);
  FileLock lock(state.lockFile(), "backup verify", o.waitLock);
  etcd::BackupCatalog cat(dirFor(c, o), c.name);
  auto meta = cat.get(o.id);
  std::string why = etcd::checkBackupHash(cat, meta);
  if (!why.empty()) throw Error("backup " + meta.id + " failed verification: " + why, ExitCode::VerifyFailed);
  std::string result = "hash ok";
  if (o.drill) {
    auto d = runRestoreDrill(cat, meta, o.drillAddress);
    if (!d.error.empty()) throw Error("backup " + meta.id + " restore drill failed: " + d.error, ExitCode::VerifyFailed);
    meta.verifiedAt = utcNow("%Y-%m-%dT%H:%M:%SZ");
    meta.verifiedKeys = d.keys;
    cat.save(meta);
    result += ", restore drill ok: " + std::to_string(d.keys) + " keys at revision " + std::to_string(d.revision);
  }
  if (g.json()) std::cout << meta.toJson();
  else std::cout << "backup " << meta.id << ": " << result << "\n";
  return 0;
}

int prune(GlobalOptions& g, const BackupCli& o) {
  Cluster c = inventoryOf(o);
  StateDir state = StateDir::forCluster(c, o.stateDir);
  FileLock lock(state.lockFile(), "backup prune", o.waitLock);
  int keep = o.keep > 0 ? o.keep : c.backups.keep;
  auto removed = etcd::BackupCatalog(dirFor(c, o), c.name).prune(keep);
  if (g.json()) std::cout << nlohmann::json{{"kept", keep}, {"removed", removed}}.dump(2) << "\n";
  else {
    for (const auto& id : removed) std::cout << "removed " << id << "\n";
    std::cout << "kept " << keep << ": the newest, with the newest drill-verified backup always among them\n";
  }
  return 0;
}

}  // namespace

void registerBackup(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<BackupCli>();
  auto* cmd = app.add_subcommand("backup", "take a verified etcd backup; list, verify and prune backups");
  // -f is checked by hand rather than ->required(): CLI11 would demand it before "list" too (kforge backup -f X list).
  auto common = [&](CLI::App* c) {
    c->add_option("-f,--inventory", o->inventory, "inventory file (required)");
    c->add_option("--state-dir", o->stateDir, "cluster state directory");
    c->add_option("--dir", o->dir, "backup directory (default: spec.backups.dir)");
    c->add_option("--wait-lock", o->waitLock, "seconds to wait for another kforge run on this cluster");
    c->add_flag("--yes", [](int64_t) {}, "do not ask (backup never asks; accepted for scripts)");
  };
  common(cmd);
  cmd->add_option("--reason", o->reason, "recorded in the metadata: manual | scheduled | pre-step:<name>");
  cmd->add_option("--metrics-file", o->metricsFile, "write a Prometheus textfile (node_exporter textfile collector)");
  auto* ls = cmd->add_subcommand("list", "list backups, newest first");
  common(ls);
  auto* vf = cmd->add_subcommand("verify", "check a backup's hashes, then restore it into a throwaway etcd and count keys");
  common(vf);
  vf->add_option("id", o->id, "backup id or 'latest'")->required();
  vf->add_flag("!--no-drill", o->drill, "check hashes only");
  vf->add_option("--drill-address", o->drillAddress,
                 "127.0.0.0/8 address for the throwaway etcd (default 127.0.0.1; TLS on free ports)");
  auto* pr = cmd->add_subcommand("prune", "keep the newest N backups (and always the newest drill-verified one)");
  common(pr);
  pr->add_option("--keep", o->keep, "how many to keep (default: spec.backups.keep)");
  ls->callback([&g, o] { runGuarded(g, [&] { return list(g, *o); }); });
  vf->callback([&g, o] { runGuarded(g, [&] { return verify(g, *o); }); });
  pr->callback([&g, o] { runGuarded(g, [&] { return prune(g, *o); }); });
  cmd->callback([&g, o, cmd] {
    if (cmd->get_subcommands().empty()) runGuarded(g, [&] { return take(g, *o); });
  });
}

}  // namespace kforge::cli
