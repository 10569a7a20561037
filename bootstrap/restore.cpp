#include "bootstrap/restore.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bootstrap/etcd_access.hpp"
#include "bootstrap/etcd_data_dir_guard.hpp"
#include "bootstrap/manifests.hpp"
#include "bootstrap/static_pod.hpp"
#include "core/utc.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/shell.hpp"
#include "ssh/upload_file.hpp"

namespace kforge {

namespace {

// Step 1 on one host. Etcd hosts already restored by this restore (marker present) are left running.
std::string stopScript(const RestoreRecord& rec, const std::string& runStamp, bool etcdHost) {
  using ssh::shellQuote;
  std::string w = shellQuote(rec.workDir());
  std::string s = "set -e\nW=" + w + "\n";
  if (etcdHost) s += "if [ -f \"$W/restored\" ]; then echo 'already restored (left running)'; exit 0; fi\n";
  s += "M=\"$W/manifests-" + runStamp + "\"\nmkdir -p -m 0700 \"$M\"\nmoved=0\n"
       "for f in etcd.yaml kube-apiserver.yaml kube-controller-manager.yaml kube-scheduler.yaml; do\n"
       "  if [ -e \"/etc/kubernetes/manifests/$f\" ]; then mv \"/etc/kubernetes/manifests/$f\" \"$M/\"; moved=$((moved+1)); fi\n"
       "done\n"
       "rmdir \"$M\" 2>/dev/null || true\n"
       "if [ -e /etc/systemd/system/etcd.service ]; then systemctl stop etcd; fi\n"
       + waitStaticPodsGoneScript() +
       "if [ \"$gone\" = 1 ]; then echo \"stopped, $moved manifest(s) moved to $M\"; exit 0; fi\n"
       "echo 'a control-plane component is still running 2 minutes after its manifest was moved' >&2; exit 1\n";
  return s;
}

}  // namespace

std::string restoreDataScript(const Cluster& c, const Host& h, const RestoreRecord& rec, const std::string& runStamp) {
  using ssh::shellQuote;
  std::string s = "set -e\nW=" + shellQuote(rec.workDir()) + "\nD=" + shellQuote(c.etcd.dataDir) + "\n";
  s += "if [ -f \"$W/restored\" ]; then echo 'already restored'; exit 0; fi\n";
  s += etcdDataDirGuard(h.name, c.etcd.dataDir);
  // The expected hash comes from the backup's metadata file: quoted once, then only used as "$H".
  s += "H=" + shellQuote(rec.sha256) + "\n";
  s += "got=$(sha256sum \"$W/snapshot.db\" | cut -d' ' -f1)\n"
       "if [ \"$got\" != \"$H\" ]; then echo \"the snapshot on this host has sha256 $got, expected $H\" >&2; exit 1; fi\n";
  // etcdutl since etcd 3.5; etcdctl (API v3) restores on 3.4 and is deprecated for it later.
  s += "if command -v etcdutl >/dev/null 2>&1; then TOOL=etcdutl; elif command -v etcdctl >/dev/null 2>&1; then TOOL=etcdctl; "
       "else echo 'neither etcdutl nor etcdctl is installed on this host (Debian: etcd-client; or etcdutl from the etcd release)' >&2; exit 1; fi\n";
  s += "rm -rf \"$W/restore-tmp\"\n";  // a restore interrupted before it finished: only our own scratch output
  ssh::ShellCommand restore;
  restore.raw("ETCDCTL_API=3 \"$TOOL\" snapshot restore \"$W/snapshot.db\"")
      .arg("--name").arg(h.name)
      .arg("--initial-cluster").arg(etcdInitialCluster(c))
      .arg("--initial-cluster-token").arg(rec.token)
      .arg("--initial-advertise-peer-urls").arg(etcdPeerURL(h))
      .raw("--data-dir \"$W/restore-tmp\" >\"$W/restore.log\" 2>&1");
  s += "if ! " + restore.str() + "; then tail -n 20 \"$W/restore.log\" >&2; exit 1; fi\n";
  // The old data is moved aside, never deleted; then the restored member dir takes its place.
  s += "mkdir -p -m 0700 \"$D\"\n"
       "if [ -n \"$(ls -A \"$D\" 2>/dev/null)\" ]; then\n"
       "  O=\"$W/old-data-" + runStamp + "\"; mkdir -p -m 0700 \"$O\"\n"
       "  find \"$D\" -mindepth 1 -maxdepth 1 -exec mv {} \"$O/\" \\;\n"
       "  echo \"old data moved to $O\"\n"
       "fi\n"
       "mv \"$W/restore-tmp/member\" \"$D/member\"\nrmdir \"$W/restore-tmp\"\nchmod 0700 \"$D\"\nsync\n"
       "echo " + shellQuote(rec.token) + " >\"$W/restored\"\nsync\n"
       // The uploaded copy of the snapshot is a transfer artefact (the backup itself stays in the backup dir).
       "rm -f \"$W/snapshot.db\"\n"
       "echo \"restored with $TOOL\"\n";
  return s;
}

Restorer::Restorer(const Cluster& c, Applier& applier, const std::string& stateDir, Progress& progress)
    : c_(c), applier_(applier), stateDir_(stateDir), progress_(progress), runStamp_(utcNow("%Y%m%d-%H%M%S")) {}

void Restorer::saveRecord() const {
  nlohmann::json j{{"snapshot", rec_.snapshotId}, {"sha256", rec_.sha256},   {"token", rec_.token},
                   {"startedAt", rec_.startedAt},  {"dataRestored", rec_.dataRestored}};
  writeFileAtomic(recordPath(), j.dump(2) + "\n", 0600);
}

const etcd::BackupMeta& Restorer::prepare(const RestoreOptions& o, const Observation& obs) {
  etcd::BackupCatalog catalog(o.backupDir, c_.name);
  // Another cluster's backup is found too, and refused below unless --force.
  meta_ = catalog.get(o.snapshotId, /*otherClusters=*/true);
  snapshotPath_ = catalog.path(meta_);
  if (std::string why = etcd::checkBackupHash(catalog, meta_); !why.empty())
    throw Error("refusing to restore backup " + meta_.id + ": " + why + "; nothing was changed", ExitCode::VerifyFailed);
  if (meta_.cluster != c_.name && !o.force)
    throw Error("backup " + meta_.id + " is of cluster " + meta_.cluster + ", the inventory is cluster " + c_.name +
                    "; pass --force to restore it anyway. Nothing was changed",
                ExitCode::InvalidInput);
  if (!obs.unreachable.empty()) {
    std::string msg = "restore needs every host of the inventory; cannot reach " +
                      std::to_string(obs.unreachable.size()) + " (replace lost hosts in the inventory). Nothing was changed:";
    for (const auto& [h, why] : obs.unreachable) msg += "\n  " + h + ": " + why;
    throw Error(msg, ExitCode::Unreachable);
  }

  // An unfinished restore of the same snapshot is resumed with its token.
  if (fileExists(recordPath())) {
    try {
      auto j = nlohmann::json::parse(readFile(recordPath()));
      RestoreRecord r;
      r.snapshotId = j.at("snapshot").get<std::string>();
      r.sha256 = j.at("sha256").get<std::string>();
      r.token = j.at("token").get<std::string>();
      r.startedAt = j.value("startedAt", "");
      r.dataRestored = j.value("dataRestored", false);
      if (r.snapshotId == meta_.id && r.sha256 == meta_.sha256) {
        rec_ = r;
        progress_.report("", "restore", StepStatus::Ok,
                         "resuming the restore of " + rec_.snapshotId + " started " + rec_.startedAt + " (token " + rec_.token + ")");
        return meta_;
      }
      progress_.report("", "restore", StepStatus::Ok,
                       "an unfinished restore of " + r.snapshotId + " is superseded by this one");
    } catch (const std::exception& e) {
      throw Error(recordPath() + " is not a restore record (" + e.what() + "); move it aside to start a new restore",
                  ExitCode::InvalidInput);
    }
  }

  // Quorum guard: a majority of the inventory's etcd hosts answering as healthy members of one cluster means
  // the cluster still works; replacing its data loses every write since the snapshot.
  auto hosts = c_.etcdHosts();
  size_t healthy = 0;
  std::string healthyNames;
  std::unique_ptr<etcd::Client> client;
  if (obs.etcdUp) {
    client = etcdClientFor(c_, stateDir_);
    client->setRetryFor(std::chrono::seconds(0));
    for (const Host* h : hosts) {
      if (!etcdMemberOf(obs.members, *h)) continue;
      try {
        if (client->health(etcdClientEndpoint(*h)).empty()) {
          ++healthy;
          healthyNames += (healthyNames.empty() ? "" : ", ") + h->name;
        }
      } catch (const Error&) {
      }
    }
  }
  size_t quorum = hosts.size() / 2 + 1;
  if (healthy >= quorum) {
    if (!o.force)
      throw Error("refusing to restore: the cluster still has quorum (" + std::to_string(healthy) + " of " +
                      std::to_string(hosts.size()) + " etcd members healthy: " + healthyNames +
                      "). A restore replaces its data with the snapshot's and loses every later write; pass --force "
                      "to do it anyway (a verified backup of the live cluster is taken first). Nothing was changed",
                  ExitCode::InvalidInput);
    client->setRetryFor(std::chrono::minutes(2));  // the default: a backup rides out transient answers
    // Labelled with what the live cluster runs (a downgrade restores over a newer release than the inventory's).
    std::string running = obs.apiServerVersion.empty() ? c_.kubernetesVersion.str() : obs.apiServerVersion;
    auto pre = etcd::takeBackup(*client, {o.backupDir, c_.name, running, "pre-step:restore"});
    preBackup_ = pre.id;
    progress_.report("", "backup", StepStatus::Ok,
                     pre.id + " of the live cluster (" + std::to_string(pre.fileSize) + " bytes, sha256 verified)");
  }

  rec_ = {};
  rec_.snapshotId = meta_.id;
  rec_.sha256 = meta_.sha256;
  rec_.startedAt = utcNow("%Y-%m-%dT%H:%M:%SZ");
  rec_.token = c_.name + "-restore-" + utcNow("%Y%m%d%H%M%S");
  saveRecord();
  return meta_;
}

Plan Restorer::planDataRestore(const Observation&) {
  Plan p;
  if (rec_.dataRestored) return p;
  auto etcdHosts = c_.etcdHosts();
  auto isEtcd = [&](const Host* h) { return std::find(etcdHosts.begin(), etcdHosts.end(), h) != etcdHosts.end(); };
  // Before anything is stopped or moved: each etcd host's data dir is absent, empty or an etcd data dir (hosts
  // this restore already finished are skipped). The data step checks again.
  for (const Host* h : etcdHosts) {
    std::string script = "if [ -f " + ssh::shellQuote(rec_.workDir() + "/restored") + " ]; then echo 'already restored'; " +
                         "exit 0; fi\n" + etcdDataDirGuard(h->name, c_.etcd.dataDir) + "echo ok\n";
    p.steps.push_back({"check", h->name, "check that " + c_.etcd.dataDir + " holds only etcd data (or nothing)", false,
                       [this, h, script] {
                         return ssh::execChecked(applier_.fleet().session(h->name), script).outLine();
                       },
                       /*parallel=*/true});
  }
  for (const Host* h : c_.hosts()) {
    bool etcdHost = isEtcd(h);
    if (!etcdHost && h->role != Role::ControlPlane) continue;
    std::string script = stopScript(rec_, runStamp_, etcdHost);
    p.steps.push_back({"stop", h->name,
                       etcdHost && h->role == Role::ControlPlane ? "stop etcd and the control plane"
                       : etcdHost                                 ? "stop etcd"
                                                                  : "stop the control plane",
                       false,
                       [this, h, script] {
                         return ssh::execChecked(applier_.fleet().session(h->name), script).outLine();
                       },
                       /*parallel=*/true});
  }
  for (const Host* h : etcdHosts) {
    p.steps.push_back({"snapshot", h->name, "copy snapshot " + meta_.id + " (" + std::to_string(meta_.fileSize) + " bytes)",
                       false,
                       [this, h] {
                         auto& s = applier_.fleet().session(h->name);
                         auto marker = ssh::exec(s, "test -f " + ssh::shellQuote(rec_.workDir() + "/restored"));
                         if (marker.exitCode == 0) return std::string("already restored");
                         auto r = ssh::uploadFile(s, snapshotPath_, rec_.workDir() + "/snapshot.db", 0600, meta_.sha256);
                         if (r.skipped) return std::string("already there");
                         char d[96];
                         std::snprintf(d, sizeof d, "%.1f MB in %.1f s, sha256 checked", r.bytes / 1e6, r.seconds);
                         return std::string(d);
                       },
                       /*parallel=*/true});
  }
  for (const Host* h : etcdHosts) {
    std::string script = restoreDataScript(c_, *h, rec_, runStamp_);
    p.steps.push_back({"restore", h->name, "restore the snapshot into " + c_.etcd.dataDir + " (old data moved aside)", false,
                       [this, h, script] {
                         return ssh::execChecked(applier_.fleet().session(h->name), script).outLine();
                       },
                       /*parallel=*/true});
  }
  return p;
}

void Restorer::markDataRestored() {
  rec_.dataRestored = true;
  saveRecord();
}

void Restorer::finish() {
  std::string done = stateDir_ + "/restore-" + rec_.token + ".json";
  if (::rename(recordPath().c_str(), done.c_str()) != 0)
    throw Error("cannot rename " + recordPath() + " to " + done);
}

}  // namespace kforge
