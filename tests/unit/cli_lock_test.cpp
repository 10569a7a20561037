// `backup verify` and `certs renew` take the cluster lock that apply and backup take (and renew on a node or a
// bundle locks that tree): while another run holds it they stop with exit code 6 and change nothing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/fs.hpp"
#include "core/lock.hpp"
#include "pki/store.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
namespace fs = std::filesystem;

namespace {

struct CliRun {
  int exitCode;
  std::string out;
};

CliRun kforgeRun(const std::string& args) {
  std::string cmd = std::string(KFORGE_BINARY) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class CliLock : public ::testing::Test {
 protected:
  void SetUp() override { dir = kforge::testing::freshDir("kforge-clilock"); }
  void TearDown() override { fs::remove_all(dir); }
  std::string dir;
};

}  // namespace

TEST_F(CliLock, BackupVerifyWaitsForTheClusterLock) {
  std::string inv = dir + "/inv.yaml";
  writeFileAtomic(inv,
                  "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: lk}\nspec:\n"
                  "  kubernetesVersion: v1.31.2\n  nodePools:\n"
                  "    - {name: cp, role: control-plane, hosts: [{name: a, address: 10.0.0.1}]}\n",
                  0600);
  FileLock held(dir + "/.kforge/lk/run.lock", "apply");
  CliRun r = kforgeRun("backup verify latest -f " + inv);
  EXPECT_EQ(r.exitCode, 6) << r.out;
  EXPECT_NE(r.out.find("another kforge run holds " + dir + "/.kforge/lk/run.lock"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("apply"), std::string::npos) << r.out;
}

TEST_F(CliLock, CertsRenewOnTheStateDirTakesTheClusterLock) {
  auto c = kforge::testing::stackedCluster();
  std::string state = dir + "/state";
  pki::ensurePki(c, state, std::time(nullptr));
  std::string before = readFile(state + "/hosts/cp1/pki/apiserver.crt");
  {
    FileLock held(state + "/run.lock", "apply");
    CliRun r = kforgeRun("certs renew all --state-dir " + state);
    EXPECT_EQ(r.exitCode, 6) << r.out;
    EXPECT_NE(r.out.find("another kforge run holds " + state + "/run.lock"), std::string::npos) << r.out;
    EXPECT_EQ(readFile(state + "/hosts/cp1/pki/apiserver.crt"), before);
  }
  CliRun r = kforgeRun("certs renew apiserver --state-dir " + state + " --host cp1");
  EXPECT_EQ(r.exitCode, 0) << r.out;
  EXPECT_NE(readFile(state + "/hosts/cp1/pki/apiserver.crt"), before);
}

TEST_F(CliLock, CertsRenewOnANodeTreeLocksIt) {
  auto c = kforge::testing::stackedCluster();
  std::string state = dir + "/state", root = dir + "/node";
  pki::ensurePki(c, state, std::time(nullptr));
  writeFileSet(pki::hostPkiFiles(c, *c.findHost("cp1"), state), root);
  std::string before = readFile(root + "/etc/kubernetes/pki/apiserver.crt");
  {
    // Another renewal on the same node holds its lock (flock on the directory, as FileLock::directory takes it).
    int held = ::open((root + "/etc/kubernetes").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(held, 0);
    ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
    CliRun r = kforgeRun("certs renew apiserver --dir " + root);
    ::close(held);
    EXPECT_EQ(r.exitCode, 6) << r.out;
    EXPECT_EQ(readFile(root + "/etc/kubernetes/pki/apiserver.crt"), before);
  }
  CliRun r = kforgeRun("certs renew apiserver --dir " + root);
  EXPECT_EQ(r.exitCode, 0) << r.out;
  // Nothing of kforge's is left in the node's tree.
  EXPECT_FALSE(fileExists(root + "/etc/kubernetes/run.lock"));
  EXPECT_FALSE(fileExists(root + "/etc/kubernetes/pki/apiserver.crt.next"));
}
