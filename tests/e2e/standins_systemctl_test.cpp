// The systemctl stand-in inside a real test host must answer as systemd does: a unit whose process keeps
// crashing is never "active" between crashes, a unit that exited is "failed", EnvironmentFile= and $VAR
// expansion reach the process. Unit files are written into the host's private /etc/systemd/system from outside
// (its bind-mount source), outputs read from its private /var/lib/kforge.
#include <fstream>
#include <string>

#include "tests/e2e/testbed_fixture.hpp"

using namespace kforge::e2e;

namespace {

class StandinSystemctl : public TestbedTest {};

std::string hostPath(const std::string& path) { return Testbed::dir() + "/hosts/tb1/root" + path; }
void write(const std::string& path, const std::string& text) { std::ofstream(hostPath(path)) << text; }
std::string read(const std::string& path) {
  std::ifstream f(hostPath(path));
  return std::string(std::istreambuf_iterator<char>(f), {});
}
Cmd systemctl(const std::string& args) { return Testbed::run("exec tb1 systemctl " + args); }

TEST_F(StandinSystemctl, ACrashLoopingUnitIsActivatingNotActive) {
  // Exits 1 at once; restarted only after 30 s, far longer than the test waits for its first crash.
  write("/etc/systemd/system/crashy.service",
        "[Service]\nExecStart=/bin/sh -c \"echo ran >>/var/lib/kforge/crashy.out; exit 1\"\nRestart=always\nRestartSec=30\n");
  ASSERT_EQ(systemctl("start crashy").exitCode, 0);
  Cmd state;
  for (int i = 0; i < 400; ++i) {  // until the event: the process ran and the supervisor saw it exit
    state = systemctl("is-active crashy");
    if (read("/var/lib/kforge/crashy.out") == "ran\n" && state.out != "active\n") break;
  }
  EXPECT_EQ(state.out, "activating\n");
  EXPECT_EQ(state.exitCode, 3);
  EXPECT_NE(systemctl("status crashy").out.find("activating (auto-restart)"), std::string::npos);
  systemctl("stop crashy");
  EXPECT_EQ(systemctl("is-active crashy").out, "inactive\n");
}

TEST_F(StandinSystemctl, AUnitThatExitsWithoutRestartIsFailed) {
  write("/etc/systemd/system/once.service", "[Service]\nExecStart=/bin/sh -c \"exit 3\"\n");
  ASSERT_EQ(systemctl("start once").exitCode, 0);
  Cmd state;
  for (int i = 0; i < 400; ++i) {
    state = systemctl("is-active once");
    if (state.out == "failed\n") break;
  }
  EXPECT_EQ(state.out, "failed\n");
  EXPECT_EQ(state.exitCode, 3);
}

TEST_F(StandinSystemctl, EnvironmentFileAndVariablesReachTheProcess) {
  // $ARGS unbraced splits into words, ${ONE} stays one word, $$ is a literal $ (systemd.service(5)).
  write("/var/lib/kforge/env.test", "ARGS=\"--a=1 --b=two\"\nONE=\"x y\"\n");
  write("/etc/systemd/system/envy.service",
        "[Service]\nEnvironmentFile=-/var/lib/kforge/env.test\nEnvironmentFile=-/var/lib/kforge/missing.env\n"
        "ExecStart=/bin/sh -c \"echo \\\"$$0|$$1|$$2|$$3\\\" >/var/lib/kforge/env.out; exec sleep 600\" ${ONE} $ARGS\n");
  ASSERT_EQ(systemctl("start envy").exitCode, 0);
  std::string out;
  for (int i = 0; i < 400 && out.empty(); ++i) out = read("/var/lib/kforge/env.out");
  EXPECT_EQ(out, "x y|--a=1|--b=two|\n");
  EXPECT_EQ(systemctl("is-active envy").out, "active\n");
  systemctl("stop envy");
}

}  // namespace
