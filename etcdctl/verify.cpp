// Verifying backups: the hash check and the restore drill (restore into a scratch dir, start a throwaway
// etcd on a loopback address, count keys, compare the revision).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/process.hpp"
#include "core/sha256.hpp"
#include "etcdctl/backup.hpp"

namespace kforge::etcd {

std::string checkBackupHash(const BackupCatalog& catalog, const BackupMeta& meta) {
  std::string path = catalog.path(meta);
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return "cannot read " + path;
  auto size = static_cast<uint64_t>(f.tellg());
  if (size < 32 + 1) return path + " is too small to be a snapshot (" + std::to_string(size) + " bytes)";
  if (meta.fileSize && size != meta.fileSize)
    return path + " has " + std::to_string(size) + " bytes, the metadata says " + std::to_string(meta.fileSize);
  // The trailer is the SHA-256 of everything before it (what etcd sent and etcdctl restore checks).
  f.seekg(static_cast<std::streamoff>(size - 32));
  std::string trailer(32, '\0');
  f.read(trailer.data(), 32);
  std::string dbHash = sha256FileHex(path, size - 32);
  if (dbHash != toHex(trailer))
    return path + ": database sha256 " + dbHash + " does not match the snapshot's trailing hash " + toHex(trailer) +
           " (the file is corrupt)";
  std::string fileHash = sha256FileHex(path);
  if (!meta.sha256.empty() && fileHash != meta.sha256)
    return path + ": file sha256 " + fileHash + " does not match the metadata's " + meta.sha256;
  return "";
}

DrillResult restoreDrill(const BackupCatalog& catalog, const BackupMeta& meta, const std::string& address) {
  DrillResult r;
  if (address.rfind("127.", 0) != 0) {
    r.error = "the restore drill runs only on a 127.0.0.0/8 address, not " + address;
    return r;
  }
  if (std::string h = checkBackupHash(catalog, meta); !h.empty()) {
    r.error = h;
    return r;
  }
  if (!haveProgram("etcd") || (!haveProgram("etcdutl") && !haveProgram("etcdctl"))) {
    r.error = "the restore drill needs etcd and etcdutl (or etcdctl) on this machine (Debian: etcd-server, etcd-client)";
    return r;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string scratch = std::string(tmp ? tmp : "/tmp") + "/kforge-drill-XXXXXX";
  if (!::mkdtemp(scratch.data())) {
    r.error = "cannot create a scratch directory";
    return r;
  }
  std::string data = scratch + "/data";
  std::string peer = "http://" + address + ":2380";
  std::vector<std::string> restore = {haveProgram("etcdutl") ? "etcdutl" : "etcdctl", "snapshot", "restore",
                                      catalog.path(meta), "--data-dir", data, "--name", "drill",
                                      "--initial-cluster", "drill=" + peer, "--initial-advertise-peer-urls", peer,
                                      "--initial-cluster-token", "kforge-drill"};
  auto res = runProcess(restore, {"ETCDCTL_API=3"}, 600);
  if (res.exitCode != 0) {
    r.error = "snapshot restore failed: " + res.output;
    runProcess({"rm", "-rf", scratch});
    return r;
  }
  {
    BackgroundProcess etcd({"etcd", "--name", "drill", "--data-dir", data, "--listen-client-urls",
                            "http://" + address + ":2379", "--advertise-client-urls", "http://" + address + ":2379",
                            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                            "--initial-cluster", "drill=" + peer, "--listen-metrics-urls",
                            "http://" + address + ":2381"},
                           scratch + "/etcd.log");
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
      try {
        // A fresh client per attempt: a gRPC channel opened before etcd listens can keep failing afterwards.
        Client c({address + ":2379"}, {}, std::chrono::seconds(2));
        c.setRetryFor(std::chrono::seconds(0));
        auto all = c.range(std::string(1, '\0'), std::string(1, '\0'), 0, /*countOnly=*/true);
        r.keys = all.count;
        r.revision = all.revision;
        break;
      } catch (const Error& e) {
        if (!etcd.running()) {
          r.error = "the throwaway etcd exited: " + readFile(scratch + "/etcd.log").substr(0, 2000);
          break;
        }
        if (std::chrono::steady_clock::now() > until) {
          r.error = std::string("the throwaway etcd did not answer within 30 s: ") + e.what();
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  }
  runProcess({"rm", "-rf", scratch});
  if (r.error.empty() && r.revision < meta.revision)
    r.error = "restored revision " + std::to_string(r.revision) + " is older than the backup's " +
              std::to_string(meta.revision);
  return r;
}

void writeBackupMetrics(const std::string& path, const BackupMeta& meta, bool success) {
  // Keep the last success values when this run failed: read them back from the previous file.
  std::string prev;
  try {
    prev = readFile(path);
  } catch (const Error&) {
  }
  auto prevValue = [&](const std::string& name) -> std::string {
    std::istringstream lines(prev);
    std::string line;
    while (std::getline(lines, line))
      if (line.rfind(name + " ", 0) == 0) return line.substr(name.size() + 1);
    return "";
  };
  std::string lastSuccess = success ? std::to_string(std::time(nullptr)) : prevValue("kforge_backup_last_success_timestamp_seconds");
  std::string size = success ? std::to_string(meta.fileSize) : prevValue("kforge_backup_last_size_bytes");
  std::string dur = success ? std::to_string(meta.durationSeconds) : prevValue("kforge_backup_last_duration_seconds");
  std::string out;
  out += "# HELP kforge_backup_last_run_success Whether the last kforge backup run succeeded (1) or failed (0).\n";
  out += "# TYPE kforge_backup_last_run_success gauge\n";
  out += "kforge_backup_last_run_success " + std::string(success ? "1" : "0") + "\n";
  out += "# HELP kforge_backup_last_success_timestamp_seconds Unix time of the last successful backup.\n";
  out += "# TYPE kforge_backup_last_success_timestamp_seconds gauge\n";
  if (!lastSuccess.empty()) out += "kforge_backup_last_success_timestamp_seconds " + lastSuccess + "\n";
  out += "# HELP kforge_backup_last_size_bytes Size of the last successful backup file.\n";
  out += "# TYPE kforge_backup_last_size_bytes gauge\n";
  if (!size.empty()) out += "kforge_backup_last_size_bytes " + size + "\n";
  out += "# HELP kforge_backup_last_duration_seconds Duration of the last successful backup.\n";
  out += "# TYPE kforge_backup_last_duration_seconds gauge\n";
  if (!dur.empty()) out += "kforge_backup_last_duration_seconds " + dur + "\n";
  writeFileAtomic(path, out, 0644);
}

}  // namespace kforge::etcd
