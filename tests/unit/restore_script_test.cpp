// The per-host restore script (bootstrap/restore.cpp): valid shell, every member in --initial-cluster, the new
// token, old data moved (never removed), values quoted. Its effect on real hosts is in tests/e2e/restore_test.cpp.
#include <gtest/gtest.h>

#include <cstdio>

#include "bootstrap/restore.hpp"
#include "ssh/shell.hpp"
#include "test_clusters.hpp"

using namespace kforge;

namespace {

int shSyntax(const std::string& script) {
  FILE* p = popen("sh -n", "w");
  fwrite(script.data(), 1, script.size(), p);
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

RestoreRecord record() {
  RestoreRecord r;
  r.snapshotId = "20261125-091949-manual";
  r.sha256 = std::string(64, 'a');
  r.token = "stacked-restore-20261125092005";
  return r;
}

}  // namespace

TEST(RestoreScript, RestoresEveryMemberWithTheNewTokenAndMovesOldDataAside) {
  Cluster c = kforge::testing::stackedCluster();
  auto hosts = c.etcdHosts();
  std::string s = restoreDataScript(c, *hosts[1], record(), "20261125-092004");
  EXPECT_EQ(shSyntax(s), 0) << s;
  EXPECT_NE(s.find("--name cp2"), std::string::npos) << s;
  EXPECT_NE(s.find("--initial-cluster 'cp1=https://127.0.1.11:2380,cp2=https://127.0.1.12:2380,cp3=https://127.0.1.13:2380'"),
            std::string::npos) << s;
  EXPECT_NE(s.find("--initial-cluster-token stacked-restore-20261125092005"), std::string::npos) << s;
  EXPECT_NE(s.find("--initial-advertise-peer-urls https://127.0.1.12:2380"), std::string::npos) << s;
  EXPECT_NE(s.find("W=/var/lib/kforge/restore-stacked-restore-20261125092005"), std::string::npos) << s;
  EXPECT_NE(s.find("old-data-20261125-092004"), std::string::npos) << s;
  // The data dir's content is moved, never removed; only kforge's own scratch output and upload copy are.
  EXPECT_EQ(s.find("rm -rf \"$D"), std::string::npos) << s;
  EXPECT_NE(s.find("etcdutl"), std::string::npos);
  EXPECT_NE(s.find("etcdctl"), std::string::npos);
}

TEST(RestoreScript, QuotesTheDataDir) {
  Cluster c = kforge::testing::stackedCluster();
  c.etcd.dataDir = "/var/lib/etcd data";
  std::string s = restoreDataScript(c, *c.etcdHosts()[0], record(), "x");
  EXPECT_EQ(shSyntax(s), 0);
  EXPECT_NE(s.find("D='/var/lib/etcd data'"), std::string::npos) << s;
}

TEST(RestoreScript, IPv6PeerURLsAreBracketed) {
  Cluster c = kforge::testing::stackedCluster();
  c.nodePools[0].hosts[0].address = "fd00::11";
  std::string s = restoreDataScript(c, *c.etcdHosts()[0], record(), "x");
  EXPECT_NE(s.find("cp1=https://[fd00::11]:2380"), std::string::npos) << s;
}

// The expected hash comes from a backup's metadata file. It used to be pasted unquoted into a double-quoted echo,
// where $(...) runs: every use must be inside single quotes or go through a variable.
TEST(RestoreScript, QuotesTheExpectedHash) {
  Cluster c = kforge::testing::stackedCluster();
  RestoreRecord r = record();
  r.sha256 = "x$(touch /tmp/kforge-pwned)`id`\"y";
  std::string s = restoreDataScript(c, *c.etcdHosts()[0], r, "x");
  EXPECT_EQ(shSyntax(s), 0) << s;
  std::string quoted = ssh::shellQuote(r.sha256);
  size_t raw = 0, inQuotes = 0;
  for (size_t p = 0; (p = s.find(r.sha256, p)) != std::string::npos; ++p) ++raw;
  for (size_t p = 0; (p = s.find(quoted, p)) != std::string::npos; ++p) ++inQuotes;
  EXPECT_GE(raw, 1u) << s;
  EXPECT_EQ(raw, inQuotes) << s;
}
