// Text `kforge status` says why a host is not reachable (escaped and bounded), not just "NO"; `-o json` carries
// the same reason escaped, as valid UTF-8 JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

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

// The reason holds text kforge does not control (here the key path from the inventory, in the error for a key file
// that does not exist; a host's or etcd's errors get the same treatment): a quote, a backslash, an escape sequence
// and a byte that is not UTF-8. It used to reach nlohmann's dump() raw, which threw on the invalid byte: the
// status document was replaced by {"error": "[json.exception.type_error.316] invalid UTF-8 byte ..."}.
TEST(CliStatus, JsonCarriesTheReasonEscaped) {
  std::string dir = kforge::testing::freshDir("kforge-clistatus-json");
  const std::string key = dir + "/no\\\"such\\\\key\\e[2J\xff" "\\u202e";  // YAML: no\"such\\key\e[2J<ff>\u202e
  writeFileAtomic(dir + "/inv.yaml",
                  "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: st}\nspec:\n"
                  "  kubernetesVersion: v1.31.2\n  allowLoopbackAddresses: true\n"
                  "  ssh: {user: root, port: 1, keyPath: \"" + key + "\", knownHosts: " + dir +
                      "/known_hosts, connectTimeout: 2s}\n"
                  "  nodePools:\n"
                  "    - {name: cp, role: control-plane, hosts: [{name: a, address: 127.0.0.1}]}\n",
                  0600);
  auto render = runKforge("render -f " + dir + "/inv.yaml --out " + dir + "/out");
  ASSERT_EQ(render.exitCode, 0) << render.out << render.err;

  auto r = runKforge("status -f " + dir + "/inv.yaml -o json");
  EXPECT_EQ(r.exitCode, 1) << r.out << r.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
  ASSERT_TRUE(j.contains("hosts")) << r.out;
  EXPECT_EQ(j["cluster"], "st");
  EXPECT_EQ(j["healthy"], false);
  ASSERT_EQ(j["hosts"].size(), 1u) << r.out;
  EXPECT_EQ(j["hosts"][0]["reachable"], false);
  // Escaped as in every message (core/printable.hpp): the quote and backslash as they are (JSON escapes them),
  // ESC and the stray byte as \x1b and \xff, the right-to-left override as \u{202e}.
  EXPECT_EQ(j["hosts"][0]["error"],
            "a: SSH private key " + dir + "/no\"such\\key\\x1b[2J\\xff\\u{202e} does not exist") << r.out;
  // On the wire: JSON's own escapes for the quote and the backslashes; no raw control byte anywhere.
  EXPECT_NE(r.out.find("/no\\\"such\\\\key\\\\x1b[2J\\\\xff"), std::string::npos) << r.out;
  for (unsigned char ch : r.out) EXPECT_TRUE(ch >= 0x20 || ch == '\n') << int(ch);

  auto text = runKforge("status -f " + dir + "/inv.yaml");
  EXPECT_NE(text.out.find("\na not reachable: a: SSH private key " + dir + "/no\"such\\key\\x1b[2J\\xff\\u{202e} does "
                          "not exist\n"),
            std::string::npos)
      << text.out;
  std::filesystem::remove_all(dir);
}
