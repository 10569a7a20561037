// Local files against another local user: temporary files that cannot be hijacked, a lock file that is never
// followed or truncated through a link, state / backup / render directories that must be ours alone, and
// private keys that must be readable by their owner only (core/atomic_file, core/lock, core/file_permissions).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/lock.hpp"
#include "core/state_dir.hpp"
#include "pki/store.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
namespace fs = std::filesystem;

namespace {

constexpr std::time_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
constexpr uid_t kNobody = 65534;

mode_t modeOf(const std::string& p) {
  struct stat st {};
  ::lstat(p.c_str(), &st);
  return st.st_mode;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class LocalFiles : public ::testing::Test {
 protected:
  void SetUp() override { dir = kforge::testing::freshDir("kforge-local"); }
  void TearDown() override { fs::remove_all(dir); }
  std::string dir;
};

// A .tmp.<pid> name was predictable: a link planted there received the secret (and became the target).
TEST_F(LocalFiles, TemporaryNameCannotBeHijackedWithALink) {
  std::string target = dir + "/state/ca.key";
  std::string stolen = dir + "/attacker/stolen";
  makeDirs(dir + "/state", 0700);
  makeDirs(dir + "/attacker", 0777);
  for (const std::string& planted : {target + ".tmp." + std::to_string(::getpid()), dir + "/state/.ca.key.tmp"})
    ASSERT_EQ(::symlink(stolen.c_str(), planted.c_str()), 0);
  writeFileAtomic(target, "-----BEGIN PRIVATE KEY-----\n", 0600);
  EXPECT_FALSE(fileExists(stolen)) << "the secret was written through a planted link";
  EXPECT_TRUE(S_ISREG(modeOf(target)));
  EXPECT_EQ(modeOf(target) & 07777, 0600u);
  EXPECT_EQ(readFile(target), "-----BEGIN PRIVATE KEY-----\n");
  // Only the two planted links and the file itself: no temporary file left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir + "/state"), fs::directory_iterator()), 3);
}

TEST_F(LocalFiles, ALinkAtTheTargetIsReplacedNotFollowed) {
  std::string victim = dir + "/victim";
  writeFileAtomic(victim, "root-only\n", 0600);
  ASSERT_EQ(::symlink(victim.c_str(), (dir + "/out.conf").c_str()), 0);
  writeFileAtomic(dir + "/out.conf", "kubeconfig\n", 0600);
  EXPECT_EQ(readFile(victim), "root-only\n");
  EXPECT_TRUE(S_ISREG(modeOf(dir + "/out.conf")));
}

TEST_F(LocalFiles, SecretParentsAreCreatedPrivate) {
  writeFileAtomic(dir + "/new/sub/sa.key", "k", 0600);
  EXPECT_EQ(modeOf(dir + "/new") & 0777, 0700u);
  EXPECT_EQ(modeOf(dir + "/new/sub") & 0777, 0700u);
}

// run.lock through a symlink truncated whatever it pointed at.
TEST_F(LocalFiles, LockFileLinkIsRefusedAndItsTargetUntouched) {
  std::string victim = dir + "/shadow";
  writeFileAtomic(victim, "root:$6$precious\n", 0600);
  makeDirs(dir + "/state", 0700);
  ASSERT_EQ(::symlink(victim.c_str(), (dir + "/state/run.lock").c_str()), 0);
  std::string m = errorOf([&] { FileLock lock(dir + "/state/run.lock", "apply"); });
  EXPECT_NE(m.find("symbolic link"), std::string::npos) << m;
  EXPECT_EQ(readFile(victim), "root:$6$precious\n");
}

TEST_F(LocalFiles, LockFileHardLinkIsRefused) {
  std::string victim = dir + "/victim";
  writeFileAtomic(victim, "precious\n", 0600);
  makeDirs(dir + "/state", 0700);
  ASSERT_EQ(::link(victim.c_str(), (dir + "/state/run.lock").c_str()), 0);
  std::string m = errorOf([&] { FileLock lock(dir + "/state/run.lock", "apply"); });
  EXPECT_NE(m.find("not a plain file of yours"), std::string::npos) << m;
  EXPECT_EQ(readFile(victim), "precious\n");
}

TEST_F(LocalFiles, LockCreatesAPrivateStateDir) {
  { FileLock lock(dir + "/.kforge/c1/run.lock", "render"); }
  EXPECT_EQ(modeOf(dir + "/.kforge/c1") & 0777, 0700u);
  EXPECT_EQ(modeOf(dir + "/.kforge/c1/run.lock") & 0777, 0600u);
}

TEST_F(LocalFiles, StateDirOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  auto c = kforge::testing::stackedCluster();
  std::string state = dir + "/state";
  makeDirs(state, 0700);
  ASSERT_EQ(::chown(state.c_str(), kNobody, kNobody), 0);
  std::string m = errorOf([&] { StateDir::forCluster(c, state); });
  EXPECT_NE(m.find("state directory " + state + " belongs to"), std::string::npos) << m;
  EXPECT_NE(m.find("uid 65534"), std::string::npos) << m;
  m = errorOf([&] { pki::ensurePki(c, state, kNow); });
  EXPECT_NE(m.find("belongs to"), std::string::npos) << m;
  EXPECT_FALSE(fileExists(state + "/pki/ca.key"));
  m = errorOf([&] { FileLock lock(state + "/run.lock", "apply"); });
  EXPECT_NE(m.find("belongs to"), std::string::npos) << m;
}

TEST_F(LocalFiles, GroupOrWorldWritableDirsAreRefused) {
  auto c = kforge::testing::stackedCluster();
  std::string state = dir + "/state";
  makeDirs(state, 0700);
  ASSERT_EQ(::chmod(state.c_str(), 0770), 0);
  std::string m = errorOf([&] { pki::ensurePki(c, state, kNow); });
  EXPECT_NE(m.find("state directory " + state + " is writable by group or others (mode 0770)"), std::string::npos) << m;
  EXPECT_NE(m.find("chmod go-w " + state), std::string::npos) << m;
  m = errorOf([&] { backupDir(c, state); });
  EXPECT_NE(m.find("backup directory " + state + " is writable"), std::string::npos) << m;
}

// Another user able to rename entries in a directory above could swap the state dir for their own.
TEST_F(LocalFiles, WritableParentWithoutStickyBitIsRefused) {
  auto c = kforge::testing::stackedCluster();
  std::string shared = dir + "/shared";
  makeDirs(shared + "/proj/.kforge/c1", 0700);
  ASSERT_EQ(::chmod(shared.c_str(), 0777), 0);
  std::string m = errorOf([&] { StateDir::forCluster(c, shared + "/proj/.kforge/c1"); });
  EXPECT_NE(m.find("the directory " + shared + " above it is writable by group or others (mode 0777) without the "
                   "sticky bit"),
            std::string::npos)
      << m;
  ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);  // like /tmp
  EXPECT_EQ(errorOf([&] { StateDir::forCluster(c, shared + "/proj/.kforge/c1"); }), "");
}

TEST_F(LocalFiles, PlantedCaInAnotherUsersDirIsNotKept) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  auto c = kforge::testing::stackedCluster();
  // A CA made elsewhere (by "the attacker"), in a state dir the attacker owns.
  std::string planted = dir + "/planted";
  pki::ensurePki(c, planted, kNow);
  ASSERT_EQ(::chown(planted.c_str(), kNobody, kNobody), 0);
  std::string m = errorOf([&] { pki::ensurePki(c, planted, kNow); });
  EXPECT_NE(m.find("belongs to"), std::string::npos) << m;
}

TEST_F(LocalFiles, CaKeyReadableByOthersIsRefused) {
  auto c = kforge::testing::stackedCluster();
  std::string state = dir + "/state";
  pki::ensurePki(c, state, kNow);
  ASSERT_EQ(::chmod((state + "/pki/ca.key").c_str(), 0644), 0);
  std::string m = errorOf([&] { pki::ensurePki(c, state, kNow); });
  EXPECT_NE(m.find("UNPROTECTED PRIVATE KEY FILE: permissions 0644 for " + state + "/pki/ca.key"), std::string::npos)
      << m;
  EXPECT_NE(m.find("chmod 600 " + state + "/pki/ca.key"), std::string::npos) << m;
  m = errorOf([&] { pki::hostPkiFiles(c, *c.findHost("cp1"), state); });
  EXPECT_NE(m.find("UNPROTECTED PRIVATE KEY FILE"), std::string::npos) << m;
  ASSERT_EQ(::chmod((state + "/pki/ca.key").c_str(), 0600), 0);
  EXPECT_EQ(errorOf([&] { pki::ensurePki(c, state, kNow); }), "");
}

TEST_F(LocalFiles, RenderRefusesAnOutputDirOthersCanWrite) {
  std::string inv = dir + "/inv.yaml";
  writeFileAtomic(inv,
                  "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: r1}\nspec:\n"
                  "  kubernetesVersion: v1.31.2\n  nodePools:\n"
                  "    - {name: cp, role: control-plane, hosts: [{name: a, address: 10.0.0.1}]}\n",
                  0600);
  std::string out = dir + "/out";
  makeDirs(out, 0700);
  ASSERT_EQ(::chmod(out.c_str(), 0777), 0);
  std::string cmd = std::string(KFORGE_BINARY) + " render -f " + inv + " --out " + out + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int status = ::pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 3) << text;
  EXPECT_NE(text.find("render output directory " + out + " is writable by group or others"), std::string::npos) << text;
  EXPECT_FALSE(fileExists(out + "/a"));
}

}  // namespace
