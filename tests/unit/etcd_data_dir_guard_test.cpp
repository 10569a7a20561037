// The host-side check before reset and restore move the etcd data dir's content aside
// (bootstrap/etcd_data_dir_guard.hpp): run with sh against real directories, and placed before the first move
// in the reset and restore scripts. In the plans: reset_restore_check_test.cpp.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bootstrap/etcd_data_dir_guard.hpp"
#include "bootstrap/reset.hpp"
#include "bootstrap/restore.hpp"
#include "ssh/shell.hpp"
#include "test_clusters.hpp"

namespace fs = std::filesystem;
using namespace kforge;

namespace {

struct ShRun {
  int exitCode;
  std::string err;
};

ShRun runSh(const std::string& script) {
  std::string cmd = "sh -c " + ssh::shellQuote(script + "echo passed\n") + " 2>&1 >/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

class Guard : public ::testing::Test {
 protected:
  void SetUp() override {
    root = fs::temp_directory_path() / ("kforge-guard-" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root);
    dir = (root / "etcd").string();
  }
  void TearDown() override { fs::remove_all(root); }
  ShRun check() { return runSh(etcdDataDirGuard("cp1", dir)); }
  fs::path root;
  std::string dir;
};

}  // namespace

TEST_F(Guard, AbsentEmptyOrEtcdDataIsAccepted) {
  EXPECT_EQ(check().exitCode, 0) << check().err;  // absent
  fs::create_directories(dir);
  EXPECT_EQ(check().exitCode, 0) << check().err;  // empty
  fs::create_directories(dir + "/member/snap");
  fs::create_directories(dir + "/member/wal");
  std::ofstream(dir + "/member/snap/db") << "x";
  EXPECT_EQ(check().exitCode, 0) << check().err;
  fs::create_directories(dir + "/lost+found");
  EXPECT_EQ(check().exitCode, 0) << check().err;
}

TEST_F(Guard, AnythingElseIsRefusedNamingHostPathAndEntries) {
  fs::create_directories(dir + "/member");
  fs::create_directories(dir + "/dpkg");
  std::ofstream(dir + "/.hidden") << "x";
  ShRun r = check();
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("cp1: refusing to move the content of " + dir +
                       " (spec.etcd.dataDir) aside: it does not look like an etcd data directory (which holds only "
                       "member/, and lost+found/ on a file system of its own). Nothing was changed; check "
                       "spec.etcd.dataDir. It holds:\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(dir + "/dpkg"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(dir + "/.hidden"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(dir + "/member"), std::string::npos) << r.err;
  EXPECT_EQ(runSh("set -e\n" + etcdDataDirGuard("cp1", dir)).exitCode, 1);  // stops a set -e script too
}

TEST_F(Guard, MemberMustBeARealDirectory) {
  fs::create_directories(dir);
  std::ofstream(dir + "/member") << "x";
  EXPECT_EQ(check().exitCode, 1);
  fs::remove(dir + "/member");
  fs::create_directories(root / "elsewhere");
  fs::create_directory_symlink(root / "elsewhere", dir + "/member");
  EXPECT_EQ(check().exitCode, 1);
}

TEST_F(Guard, SymlinksAndFilesAreRefused) {
  fs::create_directories(root / "real");
  fs::create_directory_symlink(root / "real", dir);
  ShRun r = check();
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("it is a symbolic link"), std::string::npos) << r.err;
  fs::remove(dir);
  std::ofstream(dir) << "x";
  r = check();
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("it is not a directory"), std::string::npos) << r.err;
}

TEST_F(Guard, ManyEntriesAreListedFiveAtMost) {
  fs::create_directories(dir);
  for (int i = 0; i < 50; ++i) std::ofstream(dir + "/f" + std::to_string(i)) << "x";
  ShRun r = check();
  EXPECT_EQ(r.exitCode, 1);
  size_t listed = 0;
  for (size_t p = 0; (p = r.err.find(dir + "/f", p)) != std::string::npos; ++p) ++listed;
  EXPECT_EQ(listed, 5u) << r.err;
}

TEST_F(Guard, OddPathsAreQuoted) {
  dir = (root / "it's a $(dir)").string();
  fs::create_directories(dir + "/x");
  ShRun r = check();
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("cp1: refusing to move the content of " + dir), std::string::npos) << r.err;
}

// The reset and restore scripts check before their first move.
TEST(GuardPlacement, ResetAndRestoreScriptsCheckBeforeMovingAnything) {
  Cluster c = kforge::testing::stackedCluster();
  const Host& h = *c.etcdHosts()[0];
  std::string guard = etcdDataDirGuard(h.name, c.etcd.dataDir);
  std::string reset = resetCleanScript(c, h, "20261125-092004");
  ASSERT_NE(reset.find(guard), std::string::npos) << reset;
  EXPECT_LT(reset.find(guard), reset.find("mv "));
  EXPECT_LT(reset.find(guard), reset.find("systemctl"));
  RestoreRecord rec;
  rec.sha256 = std::string(64, 'a');
  rec.token = "t-restore-1";
  std::string restore = restoreDataScript(c, h, rec, "x");
  ASSERT_NE(restore.find(guard), std::string::npos) << restore;
  EXPECT_LT(restore.find(guard), restore.find("mv "));
  EXPECT_LT(restore.find(guard), restore.find("rm -"));
}

