// The backup catalog does not trust its metadata: ids must be their own file names and plain, clusters sharing a
// directory stay apart, and a bad .json is skipped with a warning instead of blocking list/prune/verify/restore.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "etcdctl/backup.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using namespace kforge::etcd;
namespace fs = std::filesystem;

namespace {

class BackupCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = kforge::testing::freshDir("kforge-catalog");
    dir = root + "/backups";
    makeDirs(dir, 0700);
  }
  void TearDown() override { fs::remove_all(root); }
  // A backup as takeBackup leaves it: <id>.db and <id>.json (written here directly, so tests can lie in it).
  BackupMeta add(const std::string& id, const std::string& cluster, const std::string& createdAt,
                 const std::string& jsonName = "") {
    BackupMeta m;
    m.id = id;
    m.cluster = cluster;
    m.createdAt = createdAt;
    m.sha256 = "00";
    writeFileAtomic(dir + "/" + (jsonName.empty() ? id : jsonName) + ".json", m.toJson(), 0600);
    if (id.find('/') == std::string::npos) writeFileAtomic(dir + "/" + id + ".db", "db", 0600);
    return m;
  }
  static std::vector<std::string> ids(const std::vector<BackupMeta>& all) {
    std::vector<std::string> out;
    for (const auto& m : all) out.push_back(m.id);
    return out;
  }
  std::string root, dir;
};

}  // namespace

// An id of "../victim" made prune delete ../victim.json and ../victim.db beside the backup directory.
TEST_F(BackupCatalogTest, PruneNeverDeletesOutsideTheDirectory) {
  writeFileAtomic(root + "/victim.db", "precious", 0600);
  writeFileAtomic(root + "/victim.json", "{}", 0600);
  add("20260101-000000-manual", "a", "2026-01-01T00:00:00Z", "");
  add("20260102-000000-manual", "a", "2026-01-02T00:00:00Z", "");
  add("../victim", "a", "2025-01-01T00:00:00Z", "evil");
  BackupCatalog cat(dir, "a");
  ::testing::internal::CaptureStderr();
  auto removed = cat.prune(1);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(removed, std::vector<std::string>{"20260101-000000-manual"});
  EXPECT_TRUE(fileExists(root + "/victim.db"));
  EXPECT_TRUE(fileExists(root + "/victim.json"));
  EXPECT_NE(err.find("warning: skipping backup metadata " + dir + "/evil.json: its id \"../victim\" is not its file "
                     "name (evil)"),
            std::string::npos)
      << err;
}

TEST_F(BackupCatalogTest, IdsMustBePlainAndTheirOwnFileName) {
  add("20260101-000000-manual", "a", "2026-01-01T00:00:00Z");
  // Right charset, wrong file: b.json claiming to be 20260101-000000-manual would shadow it.
  add("20260101-000000-manual", "a", "2026-03-01T00:00:00Z", "b");
  add("x", "a", "2026-01-01T00:00:00Z");
  ::testing::internal::CaptureStderr();
  auto all = BackupCatalog(dir, "a").list();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(ids(all), (std::vector<std::string>{"20260101-000000-manual", "x"}));
  EXPECT_EQ(all[0].createdAt, "2026-01-01T00:00:00Z");
  EXPECT_NE(err.find(dir + "/b.json: its id \"20260101-000000-manual\" is not its file name (b)"), std::string::npos)
      << err;
  EXPECT_TRUE(isValidBackupId("20261125-104419-pre-step-restore-10"));
  for (const char* bad : {"", "..", "../x", "a/b", ".hidden", "-x", "a b", "a\nb", "x.db"})
    EXPECT_FALSE(isValidBackupId(bad)) << bad;
  EXPECT_FALSE(isValidBackupId(std::string(129, 'a')));
  BackupMeta m;
  m.id = "../x";
  m.cluster = "a";
  EXPECT_THROW(BackupCatalog(dir, "a").save(m), Error);
  EXPECT_FALSE(fileExists(root + "/x.json"));
}

// `prune -f A` deleted cluster B's backups in a shared directory.
TEST_F(BackupCatalogTest, ClustersSharingADirectoryStayApart) {
  for (int i = 1; i <= 3; ++i) {
    add("2026010" + std::to_string(i) + "-000000-a", "a", "2026-01-0" + std::to_string(i) + "T00:00:00Z");
    add("2026010" + std::to_string(i) + "-000001-b", "b", "2026-01-0" + std::to_string(i) + "T00:00:01Z");
  }
  BackupCatalog a(dir, "a"), b(dir, "b");
  EXPECT_EQ(ids(a.list()), (std::vector<std::string>{"20260103-000000-a", "20260102-000000-a", "20260101-000000-a"}));
  EXPECT_EQ(a.get("latest").id, "20260103-000000-a");
  auto removed = a.prune(1);
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_EQ(b.list().size(), 3u);
  for (int i = 1; i <= 3; ++i) EXPECT_TRUE(fileExists(dir + "/2026010" + std::to_string(i) + "-000001-b.db"));
  try {
    a.get("20260101-000001-b");
    FAIL() << "returned another cluster's backup";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to cluster b, not to a"), std::string::npos) << e.what();
  }
  EXPECT_EQ(a.get("20260101-000001-b", /*otherClusters=*/true).cluster, "b");  // restore --force decides
  BackupMeta m = b.get("latest");
  EXPECT_THROW(a.save(m), Error);
}

// One unparsable .json made list/prune/verify/restore fail: a stray file blocked disaster recovery.
TEST_F(BackupCatalogTest, BadMetadataIsSkippedWithAWarningNamingTheFile) {
  add("20260101-000000-manual", "a", "2026-01-01T00:00:00Z");
  add("20260102-000000-manual", "a", "2026-01-02T00:00:00Z");
  writeFileAtomic(dir + "/broken.json", "{\"id\": \"broken\", ", 0600);
  writeFileAtomic(dir + "/broken.db", "x", 0600);
  writeFileAtomic(dir + "/nocluster.json", "{\"id\": \"nocluster\", \"sha256\": \"00\"}", 0600);
  writeFileAtomic(dir + "/nocluster.db", "x", 0600);
  writeFileAtomic(dir + "/not an id.json", "{}", 0600);
  BackupCatalog cat(dir, "a");
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(cat.list().size(), 2u);
  EXPECT_EQ(cat.get("latest").id, "20260102-000000-manual");
  EXPECT_EQ(cat.prune(1), std::vector<std::string>{"20260101-000000-manual"});
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("warning: skipping backup metadata " + dir + "/broken.json is not valid"), std::string::npos) << err;
  EXPECT_NE(err.find("warning: skipping backup metadata " + dir + "/nocluster.json: it names no cluster"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find(dir + "/not an id.json: \"not an id\" is not a backup id"), std::string::npos) << err;
  EXPECT_TRUE(fileExists(dir + "/broken.json"));  // never deleted: it is not a backup kforge knows
}

TEST_F(BackupCatalogTest, BackupDirOthersCanWriteIsRefused) {
  ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
  try {
    BackupCatalog(dir, "a").list();
    FAIL() << "listed a backup directory anyone can write";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("backup directory " + dir + " is writable by group or others"),
              std::string::npos)
        << e.what();
  }
}
