// exec over real sshd: per-host hostname (the host's UTS namespace), exit codes, stdout/stderr, stdin,
// quoting, command timeout.
#include <chrono>

#include "ssh/exec.hpp"
#include "tests/e2e/testbed_fixture.hpp"

using namespace kforge;
using namespace kforge::ssh;
using namespace kforge::e2e;
using Clock = std::chrono::steady_clock;

class SshExec : public TestbedTest {};

TEST_F(SshExec, ReturnsEachHostsHostname) {
  for (int i = 1; i <= kHosts; ++i) {
    auto t0 = Clock::now();
    auto s = Session::connect(Testbed::name(i), {Testbed::address(i), 22}, Testbed::options());
    auto t1 = Clock::now();
    ExecResult r = exec(*s, "hostname");
    auto t2 = Clock::now();
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_EQ(r.out, Testbed::name(i) + "\n");
    EXPECT_EQ(r.err, "");
    // A second command on the same session: the round trip kforge pays per command.
    ExecResult r2 = exec(*s, "true");
    auto t3 = Clock::now();
    EXPECT_EQ(r2.exitCode, 0);
    using ms = std::chrono::duration<double, std::milli>;
    std::printf("%s: connect+auth %.1f ms, first exec %.1f ms, exec round trip %.1f ms\n", Testbed::name(i).c_str(),
                ms(t1 - t0).count(), ms(t2 - t1).count(), ms(t3 - t2).count());
  }
}

TEST_F(SshExec, ExitCodeStdoutStderrAndStdin) {
  auto s = Session::connect("tb1", {Testbed::address(1), 22}, Testbed::options());
  ExecResult r = exec(*s, "echo out; echo err >&2; exit 7");
  EXPECT_EQ(r.exitCode, 7);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.ok());

  ExecOptions in;
  in.stdinData = std::string(200000, 'x') + "END";
  r = exec(*s, "wc -c", in);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "200003\n");

  r = exec(*s, "kill -KILL $$");
  EXPECT_EQ(r.exitCode, -1);
  EXPECT_EQ(r.signal, "KILL");

  try {
    execChecked(*s, "echo nope >&2; exit 3");
    FAIL() << "execChecked accepted exit 3";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "tb1: `echo nope >&2; exit 3` failed (exit 3): nope");
  }
}

TEST_F(SshExec, ArgumentsReachTheRemoteShellIntact) {
  auto s = Session::connect("tb1", {Testbed::address(1), 22}, Testbed::options());
  std::vector<std::string> nasty = {"a b", "it's", "$(touch /tmp/pwned)", "`id`", "x;y|z&w", "*", "", "--flag=v", "new\nline"};
  ShellCommand cmd("printf");
  cmd.arg("[%s]");
  cmd.args(nasty);
  ExecResult r = execChecked(*s, cmd);
  std::string want;
  for (const auto& a : nasty) want += "[" + a + "]";
  EXPECT_EQ(r.out, want);
  EXPECT_NE(exec(*s, "test -e /tmp/pwned").exitCode, 0);
}

TEST_F(SshExec, CommandTimeoutIsEnforcedAndSessionSurvives) {
  auto s = Session::connect("tb2", {Testbed::address(2), 22}, Testbed::options());
  ExecOptions o;
  o.timeout = std::chrono::milliseconds(500);
  auto t0 = Clock::now();
  ExecResult r = exec(*s, "echo started; sleep 30", o);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_TRUE(r.timedOut);
  EXPECT_EQ(r.exitCode, -1);
  EXPECT_EQ(r.out, "started\n");
  EXPECT_LT(secs, 20.0);  // enforced: far below the command's 30 s (a loaded machine may be slow)
  try {
    execChecked(*s, "sleep 30", o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tb2: `sleep 30` failed (timed out"), std::string::npos) << e.what();
  }
  EXPECT_EQ(execChecked(*s, "echo still-usable").out, "still-usable\n");
}

TEST_F(SshExec, HostsHaveTheirOwnFilesystems) {
  auto s1 = Session::connect("tb1", {Testbed::address(1), 22}, Testbed::options());
  auto s2 = Session::connect("tb2", {Testbed::address(2), 22}, Testbed::options());
  execChecked(*s1, "echo tb1-only > /etc/kubernetes/e2e-marker");
  EXPECT_EQ(execChecked(*s1, "cat /etc/kubernetes/e2e-marker").out, "tb1-only\n");
  EXPECT_NE(exec(*s2, "test -e /etc/kubernetes/e2e-marker").exitCode, 0);
  EXPECT_NE(sh("test -e /etc/kubernetes/e2e-marker").exitCode, 0);  // nor on the machine itself
  execChecked(*s1, "rm -f /etc/kubernetes/e2e-marker");
}
