// Backups against a real etcd: streaming, metadata, hash checks (including a flipped byte), the restore
// drill with a throwaway etcd, prune rules and the Prometheus textfile.
#include <gtest/gtest.h>

#include <fstream>

#include "core/fs.hpp"
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

  auto drill = restoreDrill(cat, meta, uniqueLoopback(2));
  EXPECT_EQ(drill.error, "");
  EXPECT_EQ(drill.keys, 1000);
  EXPECT_GE(drill.revision, meta.revision);
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
  auto drill = restoreDrill(cat, meta, uniqueLoopback(3));
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
