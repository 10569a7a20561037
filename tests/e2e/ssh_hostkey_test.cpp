// Host-key policy against real sshd host keys: strict refuses a changed key (with the new fingerprint),
// accept-new records unknown keys and still refuses changed ones; other client key types and ssh-agent.
#include <cstdlib>

#include "core/fs.hpp"
#include "ssh/exec.hpp"
#include "ssh/known_hosts.hpp"
#include "tests/e2e/testbed_fixture.hpp"

using namespace kforge;
using namespace kforge::ssh;
using namespace kforge::e2e;

namespace {
std::string fingerprintOf(const std::string& pubFile) {  // "SHA256:..." as ssh-keygen prints it
  Cmd r = sh("ssh-keygen -lf " + pubFile + " | awk '{print $2}'");
  return r.out.substr(0, r.out.find('\n'));
}
std::string hostPub(int i) { return Testbed::dir() + "/hosts/" + Testbed::name(i) + "/ssh_host_ed25519_key.pub"; }
}  // namespace

class SshHostKey : public TestbedTest {};

TEST_F(SshHostKey, StrictRefusesChangedKeyWithFingerprint) {
  ASSERT_EQ(Testbed::run("rekey tb3").exitCode, 0);
  std::string newFp = fingerprintOf(hostPub(3));
  ASSERT_EQ(newFp.rfind("SHA256:", 0), 0u);
  for (auto policy : {HostKeyPolicy::Strict, HostKeyPolicy::AcceptNew}) {
    SessionOptions o = Testbed::options();
    o.hostKeys = policy;
    try {
      Session::connect("tb3", {Testbed::address(3), 22}, o);
      FAIL() << "connected despite a changed host key";
    } catch (const Error& e) {
      std::string m = e.what();
      EXPECT_EQ(e.code(), ExitCode::Unreachable);
      EXPECT_EQ(m.rfind("tb3 (" + Testbed::address(3) + "): HOST KEY CHANGED", 0), 0u) << m;
      EXPECT_NE(m.find(newFp), std::string::npos) << m;
    }
  }
  // What the message tells an operator to do works: remove the old entry, add the new line.
  ASSERT_EQ(sh("ssh-keygen -R " + Testbed::address(3) + " -f " + Testbed::knownHosts() + " >/dev/null 2>&1").exitCode, 0);
  ASSERT_EQ(sh("echo \"" + Testbed::address(3) + " $(cut -d' ' -f1,2 " + hostPub(3) + ")\" >> " + Testbed::knownHosts()).exitCode, 0);
  auto s = Session::connect("tb3", {Testbed::address(3), 22}, Testbed::options());
  EXPECT_EQ(s->hostKey().fingerprint(), newFp);
  EXPECT_EQ(execChecked(*s, "hostname").out, "tb3\n");
}

TEST_F(SshHostKey, StrictRefusesUnknownHost) {
  SessionOptions o = Testbed::options();
  o.knownHostsPath = Testbed::dir() + "/empty_known_hosts";
  try {
    Session::connect("tb1", {Testbed::address(1), 22}, o);
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("tb1 (" + Testbed::address(1) + "): host key is not known"), std::string::npos) << m;
    EXPECT_NE(m.find(fingerprintOf(hostPub(1))), std::string::npos) << m;
  }
  EXPECT_FALSE(fileExists(o.knownHostsPath));
}

TEST_F(SshHostKey, AcceptNewRecordsUnknownKeys) {
  SessionOptions o = Testbed::options();
  o.knownHostsPath = Testbed::dir() + "/tofu/known_hosts";
  o.hostKeys = HostKeyPolicy::AcceptNew;
  sh("rm -rf " + Testbed::dir() + "/tofu");
  for (int i = 1; i <= 2; ++i) Session::connect(Testbed::name(i), {Testbed::address(i), 22}, o);
  std::string want;
  for (int i = 1; i <= 2; ++i) {
    Cmd pub = sh("cut -d' ' -f1,2 " + hostPub(i));
    want += Testbed::address(i) + " " + pub.out;
  }
  EXPECT_EQ(readFile(o.knownHostsPath), want);
  // Recorded keys are now known under strict; ssh itself agrees with the file.
  o.hostKeys = HostKeyPolicy::Strict;
  auto s = Session::connect("tb2", {Testbed::address(2), 22}, o);
  EXPECT_EQ(execChecked(*s, "hostname").out, "tb2\n");
  Cmd ssh = sh("ssh -i " + Testbed::keyPath() + " -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" +
               o.knownHostsPath + " root@" + Testbed::address(1) + " hostname");
  EXPECT_EQ(ssh.out, "tb1\n");
}

// accept-new used to record a second key type for a known host: a host known by one key type that presents
// another (here: known by an ecdsa key, the real sshd offers only ed25519) is refused like a changed key.
TEST_F(SshHostKey, HostKnownByAnotherKeyTypeIsRefusedUnderAcceptNew) {
  std::string d = Testbed::dir() + "/othertype";
  ASSERT_EQ(sh("rm -rf " + d + " && mkdir -p " + d + " && ssh-keygen -q -t ecdsa -N '' -f " + d + "/fake").exitCode, 0);
  std::string path = d + "/known_hosts";
  ASSERT_EQ(sh("echo \"" + Testbed::address(1) + " $(cut -d' ' -f1,2 " + d + "/fake.pub)\" > " + path).exitCode, 0);
  std::string before = readFile(path);
  SessionOptions o = Testbed::options();
  o.knownHostsPath = path;
  o.hostKeys = HostKeyPolicy::AcceptNew;
  try {
    Session::connect("tb1", {Testbed::address(1), 22}, o);
    FAIL() << "connected to a host known under another key type";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(m.rfind("tb1 (" + Testbed::address(1) + "): HOST KEY CHANGED", 0), 0u) << m;
    EXPECT_NE(m.find("known by its ecdsa-sha2-nistp256 (" + path + " line 1) key"), std::string::npos) << m;
    EXPECT_NE(m.find("presents a ssh-ed25519 key (" + fingerprintOf(hostPub(1)) + ")"), std::string::npos) << m;
  }
  EXPECT_EQ(readFile(path), before);
}

// @revoked lines were ignored: a revoked host key still connected.
TEST_F(SshHostKey, RevokedHostKeyIsRefused) {
  std::string path = Testbed::dir() + "/revoked_known_hosts";
  ASSERT_EQ(sh("cp " + Testbed::knownHosts() + " " + path + " && echo \"@revoked * $(cut -d' ' -f1,2 " + hostPub(2) +
               ")\" >> " + path)
                .exitCode,
            0);
  SessionOptions o = Testbed::options();
  o.knownHostsPath = path;
  for (auto policy : {HostKeyPolicy::Strict, HostKeyPolicy::AcceptNew}) {
    o.hostKeys = policy;
    try {
      Session::connect("tb2", {Testbed::address(2), 22}, o);
      FAIL() << "connected with a revoked host key";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("is REVOKED in " + path), std::string::npos) << e.what();
    }
  }
  auto s = Session::connect("tb1", {Testbed::address(1), 22}, o);  // others are unaffected
  EXPECT_EQ(execChecked(*s, "hostname").out, "tb1\n");
}

TEST_F(SshHostKey, HashedKnownHostsEntriesWork) {
  std::string path = Testbed::dir() + "/hashed_known_hosts";
  sh("cp " + Testbed::knownHosts() + " " + path + " && ssh-keygen -H -f " + path + " >/dev/null 2>&1");
  ASSERT_EQ(readFile(path).rfind("|1|", 0), 0u);
  SessionOptions o = Testbed::options();
  o.knownHostsPath = path;
  auto s = Session::connect("tb1", {Testbed::address(1), 22}, o);
  EXPECT_EQ(execChecked(*s, "hostname").out, "tb1\n");
}

TEST_F(SshHostKey, ClientKeysEcdsaRsaAndAgent) {
  std::string d = Testbed::dir() + "/clientkeys";
  ASSERT_EQ(sh("rm -rf " + d + " && mkdir -p " + d + " && ssh-keygen -q -t ecdsa -N '' -f " + d + "/ecdsa && ssh-keygen -q -t rsa -b 3072 -N '' -f " +
               d + "/rsa && ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f " + d + "/rsa_pem && cat " + d + "/*.pub >> " +
               Testbed::keyPath() + ".pub")
                .exitCode,
            0);
  {
    SessionOptions o = Testbed::options();
    o.keyPath = d + "/ecdsa";
    auto s = Session::connect("tb1", {Testbed::address(1), 22}, o);
    EXPECT_EQ(execChecked(*s, "hostname").out, "tb1\n");
  }
  // RSA: libssh2 1.10 can only sign with ssh-rsa (SHA-1), which OpenSSH 9.2 refuses by default. The error says so.
  for (const char* k : {"rsa", "rsa_pem"}) {
    SessionOptions o = Testbed::options();
    o.keyPath = d + "/" + k;
    try {
      auto s = Session::connect("tb1", {Testbed::address(1), 22}, o);
      if (LIBSSH2_VERSION_NUM < 0x010b00) ADD_FAILURE() << k << ": expected OpenSSH to refuse ssh-rsa signatures";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("use an ed25519 or ecdsa key"), std::string::npos) << e.what();
    }
  }
  // A key the host does not accept: a clear authentication error.
  ASSERT_EQ(sh("ssh-keygen -q -t ed25519 -N '' -f " + d + "/stranger").exitCode, 0);
  SessionOptions o = Testbed::options();
  o.keyPath = d + "/stranger";
  try {
    Session::connect("tb1", {Testbed::address(1), 22}, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tb1: public-key authentication as root with " + o.keyPath + " failed"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.code(), ExitCode::Unreachable);
  }
  // ssh-agent when no key file is given.
  Cmd agent = sh("ssh-agent -a " + d + "/agent.sock -s | sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\);.*/\\1/p'");
  std::string pid = agent.out.substr(0, agent.out.find('\n'));
  ASSERT_FALSE(pid.empty()) << agent.out;
  ASSERT_EQ(sh("SSH_AUTH_SOCK=" + d + "/agent.sock ssh-add " + Testbed::keyPath() + " 2>/dev/null").exitCode, 0);
  const char* old = std::getenv("SSH_AUTH_SOCK");
  std::string saved = old ? old : "";
  ::setenv("SSH_AUTH_SOCK", (d + "/agent.sock").c_str(), 1);
  o.keyPath.clear();
  try {
    auto s = Session::connect("tb2", {Testbed::address(2), 22}, o);
    EXPECT_EQ(execChecked(*s, "hostname").out, "tb2\n");
  } catch (const Error& e) {
    ADD_FAILURE() << e.what();
  }
  if (old) ::setenv("SSH_AUTH_SOCK", saved.c_str(), 1);
  else ::unsetenv("SSH_AUTH_SOCK");
  sh("kill " + pid);
}
