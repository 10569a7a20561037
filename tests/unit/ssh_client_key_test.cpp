// SSH client keys before any connection: a private key others can read is refused as OpenSSH refuses it, the
// inventory's keyPath is optional (ssh-agent, then ~/.ssh/id_ed25519), and the passphrase of an encrypted key
// comes from the environment, never the command line or the inventory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/inventory.hpp"
#include "ssh/session.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using namespace kforge::ssh;

TEST(SshClientKey, KeyReadableByOthersIsRefusedBeforeConnecting) {
  std::string dir = kforge::testing::freshDir("kforge-sshkey");
  std::string key = dir + "/id_ed25519";
  writeFileAtomic(key, "-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n", 0644);
  SessionOptions o;
  o.keyPath = key;
  o.knownHostsPath = dir + "/known_hosts";
  o.connect.timeout = std::chrono::seconds(1);
  o.connect.attempts = 1;
  try {
    Session::connect("cp1", {"127.0.0.1", 1}, o);  // nothing listens there: the key must be refused first
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(e.code(), ExitCode::Unreachable);
    EXPECT_EQ(m.rfind("cp1: UNPROTECTED PRIVATE KEY FILE: permissions 0644 for " + key + " are too open", 0), 0u) << m;
    EXPECT_NE(m.find("chmod 600 " + key), std::string::npos) << m;
  }
  std::filesystem::remove_all(dir);
}

TEST(SshClientKey, KeyPathIsOptionalAndThePassphraseComesFromTheEnvironment) {
  Cluster c = parseInventory(
      "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n  kubernetesVersion: v1.31.2\n"
      "  ssh: {user: root}\n  nodePools:\n    - {name: cp, role: control-plane, hosts: [{name: a, address: 10.0.0.1}]}\n",
      "inv.yaml");
  EXPECT_EQ(c.ssh.keyPath, "");
  ::setenv("KFORGE_SSH_KEY_PASSPHRASE", "s3cret phrase", 1);
  SessionOptions o = SessionOptions::fromSpec(c.ssh);
  ::unsetenv("KFORGE_SSH_KEY_PASSPHRASE");
  EXPECT_EQ(o.keyPath, "");
  EXPECT_EQ(o.passphrase, "s3cret phrase");
  EXPECT_EQ(SessionOptions::fromSpec(c.ssh).passphrase, "");
}
