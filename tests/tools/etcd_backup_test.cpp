// Backups against a real etcd: streaming, metadata, hash checks (including a flipped byte), the restore
// drill with a throwaway etcd (TLS made for it, free ports, no impostor answers for it), prune rules and the
// Prometheus textfile.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <ctime>
#include <fstream>

#include "bootstrap/backup_drill.hpp"
#include "core/fs.hpp"
#include "pki/throwaway_etcd_pki.hpp"
#include "etcdctl/backup.hpp"
#include "tests/tools/etcd_process.hpp"
#include "tests/tools/tool_util.hpp"

using namespace kforge::testing;
using namespace kforge::etcd;

namespace {

class EtcdBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = makeTempDir("kforge-backup");
    etcd_ = std::make_unique<EtcdProcess>("b1", uniqueLoopback(1), dir_ + "/b1");
    ASSERT_TRUE(etcd_->waitReady()) << run("cat " + etcd_->logFile()).out;
  }
  void TearDown() override {
    etcd_.reset();
    run("rm -rf " + shq(dir_));
  }
  BackupMeta backup(Client& c, const std::string& reason = "manual") {
    return takeBackup(c, {dir_ + "/backups", "testc", "v1.31.2", reason});
  }
  std::string dir_;
  std::unique_ptr<EtcdProcess> etcd_;
};

TEST_F(EtcdBackupTest, BackupHasMetadataAndPassesHashAndDrill) {
  Client c({etcd_->endpoint()}, {});
  for (int i = 0; i < 1000; ++i) c.put("/registry/k" + std::to_string(i), "value-" + std::to_string(i));
  auto meta = backup(c);
  BackupCatalog cat(dir_ + "/backups", "testc");
  EXPECT_EQ(meta.member, "b1");
  EXPECT_EQ(meta.etcdVersion, "3.4.23");
  EXPECT_EQ(meta.kubernetesVersion, "v1.31.2");
  EXPECT_EQ(meta.reason, "manual");
  EXPECT_TRUE(meta.hashVerified);
  EXPECT_GE(meta.revision, 1001);
  EXPECT_EQ(meta.fileSize % 512, 32u);
  EXPECT_FALSE(kforge::fileExists(cat.path(meta) + ".part"));
  auto sum = run("sha256sum " + shq(cat.path(meta)));
  EXPECT_EQ(sum.out.substr(0, 64), meta.sha256);
  EXPECT_EQ(checkBackupHash(cat, meta), "");
  auto listed = cat.list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].id, meta.id);

  auto drill = kforge::runRestoreDrill(cat, meta, uniqueLoopback(2));
  EXPECT_EQ(drill.error, "");
  EXPECT_EQ(drill.keys, 1000);
  EXPECT_GE(drill.revision, meta.revision);
}

// The drill used to serve the snapshot over plain HTTP on <address>:2379: any local user could read every Secret
// from it, and a process already listening there answered in its place. Now: TLS with certificates made for
// this drill only, client certificates required, free ports, and kforge trusts nothing but the drill's CA.
TEST_F(EtcdBackupTest, DrillIsNotAnsweredByAnImpostorOnItsAddress) {
  Client c({etcd_->endpoint()}, {});
  for (int i = 0; i < 300; ++i) c.put("/registry/real" + std::to_string(i), "v");
  auto meta = backup(c);
  BackupCatalog cat(dir_ + "/backups", "testc");
  // Another local user's etcd, already listening where the drill used to listen, with other data.
  const std::string addr = uniqueLoopback(4);
  EtcdProcess impostor("impostor", addr, dir_ + "/impostor");
  ASSERT_TRUE(impostor.waitReady()) << run("cat " + impostor.logFile()).out;
  Client ic({impostor.endpoint()}, {});
  for (int i = 0; i < 5; ++i) ic.put("/fake" + std::to_string(i), "v");
  auto drill = kforge::runRestoreDrill(cat, meta, addr);
  EXPECT_EQ(drill.error, "");
  EXPECT_EQ(drill.keys, 300);
  EXPECT_GE(drill.revision, meta.revision);
  EXPECT_EQ(drill.endpoint.rfind("https://" + addr + ":", 0), 0u) << drill.endpoint;
  EXPECT_NE(drill.endpoint, "https://" + addr + ":2379");
}

TEST_F(EtcdBackupTest, DrillEtcdServesOnlyTlsClientsWithTheDrillsCertificate) {
  Client c({etcd_->endpoint()}, {});
  c.put("/registry/secrets/default/s1", "top-secret");
  auto meta = backup(c);
  BackupCatalog cat(dir_ + "/backups", "testc");
  // Certificates of another CA (what another local user could make for themselves).
  auto other = kforge::pki::writeThrowawayEtcdPki(dir_ + "/other-pki", "127.0.0.1", std::time(nullptr));
  const std::string addr = uniqueLoopback(5);
  bool probed = false;
  std::string scratch;
  auto drill = kforge::runRestoreDrill(cat, meta, addr, [&](const std::string& endpoint, const DrillTls& tls) {
    probed = true;
    std::string hostPort = endpoint.substr(std::string("https://").size());
    std::string key = "L3JlZ2lzdHJ5L3NlY3JldHMvZGVmYXVsdC9zMQ==";  // base64 of the Secret's key
    std::string body = " -X POST -d '{\"key\":\"" + key + "\"}' ";
    // The drill's own client certificate works: the server was up while the others were refused.
    auto good = run("curl -sS --max-time 10 --cacert " + shq(tls.caFile) + " --cert " + shq(tls.clientCert) +
                    " --key " + shq(tls.clientKey) + body + endpoint + "/v3/kv/range");
    EXPECT_EQ(good.exitCode, 0) << good.out;
    EXPECT_NE(good.out.find("\"kvs\""), std::string::npos) << good.out;
    auto plain = run("curl -sS --max-time 10" + body + "http://" + hostPort + "/v3/kv/range");
    EXPECT_EQ(plain.out.find("\"kvs\""), std::string::npos) << plain.out;
    // TLS 1.2: the server checks the client certificate inside the handshake, so its alert always reaches curl
    // (under TLS 1.3 it comes after the handshake and a connection reset can swallow it).
    auto noCert = run("curl -sS --max-time 10 --tls-max 1.2 -k" + body + endpoint + "/v3/kv/range");
    EXPECT_NE(noCert.exitCode, 0) << noCert.out;
    EXPECT_EQ(noCert.out.find("\"kvs\""), std::string::npos) << noCert.out;
    // Refused by the server in the TLS handshake (its alert named), not by a timeout or a closed port.
    EXPECT_NE(noCert.out.find("alert bad certificate"), std::string::npos) << noCert.out;
    auto otherCa = run("curl -sS --max-time 10 --tls-max 1.2 -k --cert " + shq(other.clientCert) + " --key " + shq(other.clientKey) +
                       body + endpoint + "/v3/kv/range");
    EXPECT_NE(otherCa.exitCode, 0) << otherCa.out;
    EXPECT_EQ(otherCa.out.find("\"kvs\""), std::string::npos) << otherCa.out;
    EXPECT_NE(otherCa.out.find("alert bad certificate"), std::string::npos) << otherCa.out;
    // The drill's keys live in a private directory.
    scratch = kforge::dirName(kforge::dirName(tls.clientKey));
    struct stat st {};
    EXPECT_EQ(::stat(scratch.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_EQ(::stat(tls.clientKey.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(::stat(tls.serverKey.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
  });
  EXPECT_EQ(drill.error, "");
  EXPECT_TRUE(probed);
  EXPECT_FALSE(scratch.empty());
  EXPECT_FALSE(kforge::fileExists(scratch)) << "the drill's keys were left behind";
}

TEST_F(EtcdBackupTest, FlippedByteIsRefusedByHashAndDrill) {
  Client c({etcd_->endpoint()}, {});
  c.put("/a", "1");
  auto meta = backup(c);
  BackupCatalog cat(dir_ + "/backups", "testc");
  {
    std::fstream f(cat.path(meta), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(4096 + 100);
    char b;
    f.read(&b, 1);
    b ^= 0x01;
    f.seekp(4096 + 100);
    f.write(&b, 1);
  }
  std::string why = checkBackupHash(cat, meta);
  EXPECT_NE(why.find("does not match the snapshot's trailing hash"), std::string::npos) << why;
  auto drill = kforge::runRestoreDrill(cat, meta, uniqueLoopback(3));
  EXPECT_NE(drill.error, "");
  // The real etcdctl agrees that the file is bad.
  auto r = run("cd " + shq(dir_) + " && ETCDCTL_API=3 etcdctl snapshot restore " + shq(cat.path(meta)) +
               " --data-dir " + shq(dir_ + "/x"));
  EXPECT_NE(r.exitCode, 0) << r.out;
}

TEST_F(EtcdBackupTest, PruneKeepsExactlyNAndTheNewestVerified) {
  Client c({etcd_->endpoint()}, {});
  BackupCatalog cat(dir_ + "/backups", "testc");
  std::vector<BackupMeta> made;
  for (int i = 0; i < 5; ++i) {
    c.put("/p", std::to_string(i));
    made.push_back(backup(c, "scheduled"));
  }
  // Mark the oldest as drill-verified: it must survive a prune to 2.
  made[0].verifiedAt = "2026-01-01T00:00:00Z";
  made[0].verifiedKeys = 1;
  cat.save(made[0]);
  auto removed = cat.prune(2);
  EXPECT_EQ(removed.size(), 3u);
  auto left = cat.list();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].id, made[4].id);
  EXPECT_EQ(left[1].id, made[0].id);
  // Ids are unique even within one second.
  EXPECT_NE(made[3].id, made[4].id);
  EXPECT_THROW(cat.prune(0), kforge::Error);
}

TEST_F(EtcdBackupTest, ListIsNewestFirstEvenWithTenBackupsInOneSecond) {
  // Eleven backups sharing one createdAt second (list() needs the .json and a .db beside it).
  BackupCatalog cat(dir_ + "/backups", "testc");
  kforge::makeDirs(dir_ + "/backups", 0700);
  for (int i = 1; i <= 11; ++i) {
    BackupMeta m;
    m.id = "20261125-104419-manual" + (i == 1 ? std::string() : "-" + std::to_string(i));
    m.createdAt = "2026-11-25T10:44:19Z";
    m.cluster = "testc";
    kforge::writeFileAtomic(cat.path(m), "db", 0600, false);
    cat.save(m);
  }
  auto all = cat.list();
  ASSERT_EQ(all.size(), 11u);
  EXPECT_EQ(all[0].id, "20261125-104419-manual-11");
  EXPECT_EQ(all[1].id, "20261125-104419-manual-10");
  EXPECT_EQ(all[2].id, "20261125-104419-manual-9");
  EXPECT_EQ(all[10].id, "20261125-104419-manual");
}

TEST_F(EtcdBackupTest, UnreachableClusterLeavesNoFiles) {
  Client c({uniqueLoopback(9) + ":2379"}, {}, std::chrono::milliseconds(300));
  try {
    backup(c);
    FAIL() << "expected an error";
  } catch (const kforge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no healthy etcd member"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(BackupCatalog(dir_ + "/backups", "testc").list().empty());
  EXPECT_EQ(run("ls -A " + shq(dir_ + "/backups")).out, "");
}

TEST_F(EtcdBackupTest, MetricsTextfileKeepsLastSuccessAfterAFailure) {
  Client c({etcd_->endpoint()}, {});
  auto meta = backup(c);
  std::string path = dir_ + "/kforge_backup.prom";
  writeBackupMetrics(path, meta, true);
  std::string first = kforge::readFile(path);
  EXPECT_NE(first.find("kforge_backup_last_run_success 1\n"), std::string::npos) << first;
  EXPECT_NE(first.find("kforge_backup_last_size_bytes " + std::to_string(meta.fileSize) + "\n"), std::string::npos);
  writeBackupMetrics(path, {}, false);
  std::string second = kforge::readFile(path);
  EXPECT_NE(second.find("kforge_backup_last_run_success 0\n"), std::string::npos) << second;
  EXPECT_NE(second.find("kforge_backup_last_size_bytes " + std::to_string(meta.fileSize) + "\n"), std::string::npos);
}

}  // namespace
