// Faults: a stopped host and a hung sshd give clear errors naming the host, within the configured timeouts.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <chrono>

#include "ssh/exec.hpp"
#include "tests/e2e/testbed_fixture.hpp"

using namespace kforge;
using namespace kforge::ssh;
using namespace kforge::e2e;
using Clock = std::chrono::steady_clock;

class SshConnect : public TestbedTest {};

TEST_F(SshConnect, KilledHostIsUnreachableWithinConnectTimeout) {
  ASSERT_EQ(Testbed::run("kill tb2").exitCode, 0);
  SessionOptions o = Testbed::options();
  o.connect.timeout = std::chrono::seconds(2);
  o.connect.attempts = 3;
  o.connect.backoff = std::chrono::milliseconds(100);
  auto t0 = Clock::now();
  try {
    Session::connect("tb2", {Testbed::address(2), 22}, o);
    ADD_FAILURE() << "connected to a killed host";
  } catch (const Error& e) {
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::string m = e.what();
    EXPECT_EQ(e.code(), ExitCode::Unreachable);
    EXPECT_EQ(m.rfind("tb2 (" + Testbed::address(2) + ":22): cannot connect: Connection refused (3 attempts in ", 0), 0u) << m;
    EXPECT_LT(secs, 5.0);  // refused: only the backoff (0.1 + 0.2 s), not 3 connect timeouts (6 s)
    std::printf("unreachable reported after %.2fs: %s\n", secs, m.c_str());
  }
  ASSERT_EQ(Testbed::run("start tb2").exitCode, 0);
  auto s = Session::connect("tb2", {Testbed::address(2), 22}, Testbed::options());
  EXPECT_EQ(execChecked(*s, "hostname").out, "tb2\n");
}

// A listener that never speaks SSH (a hung sshd): TCP connects, the handshake times out after ioTimeout.
TEST_F(SshConnect, HungServerTimesOutInHandshake) {
  int l = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(l, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(2222);
  ::inet_pton(AF_INET, (Testbed::net() + ".99").c_str(), &a.sin_addr);
  int one = 1;
  ::setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(l, 8), 0);
  SessionOptions o = Testbed::options();
  o.ioTimeout = std::chrono::milliseconds(1500);
  auto t0 = Clock::now();
  try {
    Session::connect("hung", {Testbed::net() + ".99", 2222}, o);
    ADD_FAILURE() << "handshake with a mute server succeeded";
  } catch (const Error& e) {
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    EXPECT_EQ(e.code(), ExitCode::Unreachable);
    EXPECT_EQ(std::string(e.what()).rfind("hung: SSH handshake with " + Testbed::net() + ".99:2222 failed", 0), 0u) << e.what();
    EXPECT_GT(secs, 1.0);
    EXPECT_LT(secs, 20.0);  // timed out, with room for a loaded machine
  }
  ::close(l);
}
