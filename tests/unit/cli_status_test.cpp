// Text `kforge status` says why a host is not reachable (escaped and bounded), not just "NO".
#include <gtest/gtest.h>

#include <filesystem>

#include "core/fs.hpp"
#include "tests/unit/cli_run.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using kforge::testing::runKforge;

TEST(CliStatus, TextNamesTheReasonAHostIsNotReachable) {
  std::string dir = kforge::testing::freshDir("kforge-clistatus");
  // Nothing listens on port 1 of the loopback: every connection is refused at once.
  writeFileAtomic(dir + "/id_ed25519", "not a key: never read, the connection fails first\n", 0600);
  writeFileAtomic(dir + "/inv.yaml",
                  "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: st}\nspec:\n"
                  "  kubernetesVersion: v1.31.2\n  allowLoopbackAddresses: true\n"
                  "  ssh: {user: root, port: 1, keyPath: " + dir + "/id_ed25519, knownHosts: " + dir +
                      "/known_hosts, connectTimeout: 2s}\n"
                  "  nodePools:\n"
                  "    - {name: cp, role: control-plane, hosts: [{name: a, address: 127.0.0.1}]}\n",
                  0600);
  // The state (its etcd CA) is what makes status observe the hosts.
  auto render = runKforge("render -f " + dir + "/inv.yaml --out " + dir + "/out");
  ASSERT_EQ(render.exitCode, 0) << render.out << render.err;

  auto r = runKforge("status -f " + dir + "/inv.yaml");
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("\na         127.0.0.1       control-plane  NO "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\na not reachable: a (127.0.0.1:1): cannot connect: Connection refused"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cluster NOT healthy\n"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}
