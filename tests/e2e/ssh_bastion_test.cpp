// Jump host: tb1 as bastion for tb2 and tb3 (direct-tcpip through tb1's sshd), as `ssh -J` does.
#include "ssh/exec.hpp"
#include "ssh/sftp.hpp"
#include "tests/e2e/testbed_fixture.hpp"

using namespace kforge;
using namespace kforge::ssh;
using namespace kforge::e2e;

class SshBastion : public TestbedTest {};

TEST_F(SshBastion, ExecAndUploadThroughJumpHost) {
  SessionOptions o = Testbed::options();
  o.bastion = Endpoint{Testbed::address(1), 22};
  for (int i = 2; i <= 3; ++i) {
    auto s = Session::connect(Testbed::name(i), {Testbed::address(i), 22}, o);
    EXPECT_EQ(execChecked(*s, "hostname").out, Testbed::name(i) + "\n");
    // sshd on the target sees the connection coming from the bastion's side of the tunnel.
    EXPECT_NE(execChecked(*s, "echo $SSH_CLIENT").out.find("127.0.0.1"), std::string::npos);
  }
  auto s = Session::connect("tb2", {Testbed::address(2), 22}, o);
  std::string big(2 * 1024 * 1024, 'z');
  FileSet files = {{"/etc/kubernetes/e2e-bastion/big", 0600, big}};
  EXPECT_EQ(upload(*s, files).uploaded, 1);
  EXPECT_EQ(download(*s, "/etc/kubernetes/e2e-bastion/big"), big);
  EXPECT_EQ(upload(*s, files).skipped, 1);
  execChecked(*s, "rm -rf /etc/kubernetes/e2e-bastion");
}

TEST_F(SshBastion, ErrorsNameTheBastion) {
  SessionOptions o = Testbed::options();
  o.connect.attempts = 1;
  o.bastion = Endpoint{Testbed::net() + ".98", 22};  // nothing listens there
  try {
    Session::connect("tb2", {Testbed::address(2), 22}, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("tb2: via bastion " + Testbed::net() + ".98 (" + Testbed::net() + ".98:22): cannot connect", 0), 0u)
        << e.what();
    EXPECT_EQ(e.code(), ExitCode::Unreachable);
  }
  // Bastion fine, target port closed: the jump host reports the failure.
  o.bastion = Endpoint{Testbed::address(1), 22};
  try {
    Session::connect("tb2", {Testbed::address(2), 2999}, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("tb2: bastion " + Testbed::address(1) + ": cannot open a tunnel to " +
                                               Testbed::address(2) + ":2999", 0), 0u)
        << e.what();
  }
}
