// Client keys as OpenSSH users keep them: a key others can read is refused ("UNPROTECTED PRIVATE KEY FILE"); a
// passphrase-protected key works with KFORGE_SSH_KEY_PASSPHRASE or through ssh-agent (ssh-add), and without
// either the error says which of the two to use.
#include <cstdlib>

#include "core/fs.hpp"
#include "ssh/exec.hpp"
#include "tests/e2e/testbed_fixture.hpp"

using namespace kforge;
using namespace kforge::ssh;
using namespace kforge::e2e;

namespace {

// Sets (or unsets, for nullptr) an environment variable for the scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_) ::setenv(name_.c_str(), old_.c_str(), 1);
    else ::unsetenv(name_.c_str());
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

std::string errorOf(const SessionOptions& o) {
  try {
    auto s = Session::connect("tb1", {Testbed::address(1), 22}, o);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

class SshClientKey : public TestbedTest {
 protected:
  void SetUp() override {
    TestbedTest::SetUp();
    d = Testbed::dir() + "/clientkey";
    ASSERT_EQ(sh("rm -rf " + d + " && mkdir -m 700 " + d + " && ssh-keygen -q -t ed25519 -N 'correct horse' -f " + d +
                 "/enc && cat " + d + "/enc.pub >> " + Testbed::keyPath() + ".pub" +
                 " && printf '#!/bin/sh\\necho \"correct horse\"\\n' > " + d + "/askpass && chmod 700 " + d + "/askpass")
                  .exitCode,
              0);
  }
  std::string d;
};

}  // namespace

TEST_F(SshClientKey, PrivateKeyReadableByOthersIsRefused) {
  SessionOptions o = Testbed::options();
  o.keyPath = d + "/plain";
  ASSERT_EQ(sh("cp " + Testbed::keyPath() + " " + o.keyPath + " && chmod 644 " + o.keyPath).exitCode, 0);
  std::string m = errorOf(o);
  EXPECT_NE(m.find("tb1: UNPROTECTED PRIVATE KEY FILE: permissions 0644 for " + o.keyPath), std::string::npos) << m;
  EXPECT_NE(m.find("chmod 600 " + o.keyPath), std::string::npos) << m;
  ASSERT_EQ(sh("chmod 600 " + o.keyPath).exitCode, 0);
  EXPECT_EQ(errorOf(o), "");
}

TEST_F(SshClientKey, PassphraseProtectedKeyWithoutPassphraseOrAgentSaysWhatToDo) {
  ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
  SessionOptions o = Testbed::options();
  o.keyPath = d + "/enc";
  std::string m = errorOf(o);
  EXPECT_NE(m.find("tb1: SSH private key " + o.keyPath + " is protected by a passphrase"), std::string::npos) << m;
  EXPECT_NE(m.find("ssh-add " + o.keyPath), std::string::npos) << m;
  EXPECT_NE(m.find("KFORGE_SSH_KEY_PASSPHRASE"), std::string::npos) << m;
  o.passphrase = "xyzzy-not-it";
  m = errorOf(o);
  EXPECT_NE(m.find("cannot decrypt SSH private key " + o.keyPath), std::string::npos) << m;
  EXPECT_EQ(m.find("xyzzy"), std::string::npos) << "the passphrase must never be printed: " << m;
}

TEST_F(SshClientKey, PassphraseFromTheEnvironment) {
  ScopedEnv noAgent("SSH_AUTH_SOCK", nullptr);
  ScopedEnv pass("KFORGE_SSH_KEY_PASSPHRASE", "correct horse");
  SshSpec spec;
  spec.keyPath = d + "/enc";
  spec.knownHosts = Testbed::knownHosts();
  SessionOptions o = SessionOptions::fromSpec(spec);
  EXPECT_EQ(o.passphrase, "correct horse");
  auto s = Session::connect("tb1", {Testbed::address(1), 22}, o);
  EXPECT_EQ(execChecked(*s, "hostname").out, "tb1\n");
}

TEST_F(SshClientKey, PassphraseProtectedKeyThroughTheAgent) {
  Cmd agent = sh("ssh-agent -a " + d + "/agent.sock -s | sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\);.*/\\1/p'");
  std::string pid = agent.out.substr(0, agent.out.find('\n'));
  ASSERT_FALSE(pid.empty()) << agent.out;
  ScopedEnv sock("SSH_AUTH_SOCK", (d + "/agent.sock").c_str());
  SessionOptions o = Testbed::options();
  o.keyPath = d + "/enc";
  // The agent runs but holds another key only: it is not used in place of this one.
  ASSERT_EQ(sh("ssh-keygen -q -t ed25519 -N '' -f " + d + "/other && ssh-add " + d + "/other 2>/dev/null").exitCode, 0);
  std::string m = errorOf(o);
  EXPECT_NE(m.find("ssh-agent does not hold this key"), std::string::npos) << m;
  ASSERT_EQ(sh("SSH_ASKPASS=" + d + "/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=:0 ssh-add " + d + "/enc </dev/null 2>&1")
                .exitCode,
            0);
  EXPECT_EQ(errorOf(o), "");
  sh("kill " + pid);
}
