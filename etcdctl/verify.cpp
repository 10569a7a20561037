// Verifying backups: the hash check and the restore drill (restore into a private scratch dir, start a throwaway
// etcd with TLS made for the drill on free ports of a loopback address, check it is that etcd, count keys, compare
// the revision).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/net.hpp"
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

namespace {

// Two free TCP ports on `address`: both sockets stay bound until both are known, so they differ. Another process
// may still take one before etcd binds it; restoreDrill then tries again with new ports.
std::pair<int, int> freePorts(const std::string& address) {
  int fds[2] = {-1, -1};
  int ports[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    fds[i] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    socklen_t len = sizeof sa;
    if (fds[i] < 0 || ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1 ||
        ::bind(fds[i], reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::getsockname(fds[i], reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      int e = errno;
      for (int fd : fds)
        if (fd >= 0) ::close(fd);
      throw Error("cannot find a free port on " + address + ": " + std::strerror(e));
    }
    ports[i] = ntohs(sa.sin_port);
  }
  for (int fd : fds) ::close(fd);
  return {ports[0], ports[1]};
}

std::string randomHex(size_t bytes) {
  std::string b(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), static_cast<int>(bytes)) != 1)
    throw Error("RAND_bytes failed");
  return toHex(b);
}

enum class Attempt { Done, PortTaken };

// One restore + start + check on the given ports. Fills r (error or the counts).
Attempt drillOnce(const BackupCatalog& catalog, const BackupMeta& meta, const std::string& address,
                  const DrillTls& tls, const std::string& work, const DrillProbe& whileServing, DrillResult& r) {
  auto [clientPort, peerPort] = freePorts(address);
  const std::string peer = "https://" + address + ":" + std::to_string(peerPort);
  const std::string client = "https://" + address + ":" + std::to_string(clientPort);
  const std::string data = work + "/data";
  runProcess({"rm", "-rf", work});
  makeDirs(work, 0700);
  std::vector<std::string> restore = {haveProgram("etcdutl") ? "etcdutl" : "etcdctl", "snapshot", "restore",
                                      catalog.path(meta), "--data-dir", data, "--name", "drill",
                                      "--initial-cluster", "drill=" + peer, "--initial-advertise-peer-urls", peer,
                                      "--initial-cluster-token", "kforge-drill-" + randomHex(8)};
  auto res = runProcess(restore, {"ETCDCTL_API=3"}, 600);
  if (res.exitCode != 0) {
    r.error = "snapshot restore failed: " + res.output;
    return Attempt::Done;
  }
  r.endpoint = client;
  const std::string log = work + "/etcd.log";
  BackgroundProcess etcd({"etcd", "--name", "drill", "--data-dir", data,
                          "--listen-client-urls", client, "--advertise-client-urls", client,
                          "--cert-file", tls.serverCert, "--key-file", tls.serverKey,
                          "--client-cert-auth", "--trusted-ca-file", tls.caFile,
                          "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                          "--initial-cluster", "drill=" + peer,
                          "--peer-cert-file", tls.serverCert, "--peer-key-file", tls.serverKey,
                          "--peer-client-cert-auth", "--peer-trusted-ca-file", tls.caFile},
                         log);
  const std::string target = address + ":" + std::to_string(clientPort);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    try {
      // A fresh client per attempt: a gRPC channel opened before etcd listens can keep failing afterwards.
      // It trusts the drill's CA only: a process that is not the etcd started here cannot complete TLS.
      Client c({target}, TlsFiles{tls.caFile, tls.clientCert, tls.clientKey}, std::chrono::seconds(2));
      c.setRetryFor(std::chrono::seconds(0));
      auto members = c.memberList();
      if (members.size() != 1 || members[0].name != "drill" || members[0].peerURLs != std::vector<std::string>{peer}) {
        r.error = "the etcd answering on " + client + " is not the restored drill member (expected one member "
                  "\"drill\" with peer URL " + peer + ")";
        return Attempt::Done;
      }
      MemberStatus st = c.status(target);
      if (st.memberId != members[0].id) {
        r.error = "the etcd answering on " + client + " reports member " + memberIdHex(st.memberId) +
                  ", not the restored member " + memberIdHex(members[0].id);
        return Attempt::Done;
      }
      auto all = c.range(std::string(1, '\0'), std::string(1, '\0'), 0, /*countOnly=*/true);
      r.keys = all.count;
      r.revision = all.revision;
      if (whileServing) whileServing(client, tls);
      return Attempt::Done;
    } catch (const Error& e) {
      if (!etcd.running()) {
        std::string text = readFile(log);
        if (text.find("address already in use") != std::string::npos) return Attempt::PortTaken;
        r.error = "the throwaway etcd exited: " + text.substr(0, 2000);
        return Attempt::Done;
      }
      if (std::chrono::steady_clock::now() > until) {
        r.error = std::string("the throwaway etcd did not answer within 30 s: ") + e.what();
        return Attempt::Done;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

}  // namespace

DrillResult restoreDrill(const BackupCatalog& catalog, const BackupMeta& meta, const std::string& address,
                         const DrillTls& tls, const std::string& scratchDir, const DrillProbe& whileServing) {
  DrillResult r;
  auto ip = IpAddr::parse(address);
  if (!ip || ip->v6 || !ip->isLoopback()) {
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
  struct stat st;
  if (::lstat(scratchDir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 077) != 0 ||
      st.st_uid != ::geteuid()) {
    r.error = "the restore drill's scratch directory " + scratchDir + " must be a private (0700) directory of yours";
    return r;
  }
  const std::string work = scratchDir + "/etcd";
  for (int attempt = 1; attempt <= 3; ++attempt) {
    r = DrillResult{};
    if (drillOnce(catalog, meta, address, tls, work, whileServing, r) == Attempt::Done) break;
    r.error = "the throwaway etcd could not bind its ports on " + address + " (three tries)";
  }
  runProcess({"rm", "-rf", work});
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
