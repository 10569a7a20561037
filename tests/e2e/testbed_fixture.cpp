#include "tests/e2e/testbed_fixture.hpp"

#include <cstdio>
#include <sys/wait.h>

namespace kforge::e2e {

Cmd sh(const std::string& commandLine) {
  Cmd r;
  std::string cmd = "(" + commandLine + ") 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string Testbed::dir() { return KFORGE_E2E_DIR; }
std::string Testbed::net() { return KFORGE_E2E_NET; }
std::string Testbed::address(int i) { return net() + "." + std::to_string(10 + i); }

Cmd Testbed::run(const std::string& args) {
  return sh(std::string(KFORGE_TESTBED) + " --dir " + dir() + " --net " + net() + " " + args);  // options first
}

void Testbed::up(int hosts) {
  Cmd r = sh(std::string(KFORGE_TESTBED) + " up " + std::to_string(hosts) + " --dir " + dir() + " --net " + net());
  std::fprintf(stderr, "%s", r.out.c_str());
  if (r.exitCode != 0) throw std::runtime_error("testbed up failed:\n" + r.out);
}

void Testbed::down() {
  Cmd r = sh(std::string(KFORGE_TESTBED) + " down --dir " + dir());
  if (r.exitCode != 0) std::fprintf(stderr, "testbed down failed:\n%s", r.out.c_str());
}

ssh::SessionOptions Testbed::options() {
  ssh::SessionOptions o;
  o.user = "root";
  o.keyPath = keyPath();
  o.knownHostsPath = knownHosts();
  o.hostKeys = HostKeyPolicy::Strict;
  o.connect.timeout = std::chrono::seconds(3);
  o.connect.attempts = 2;
  o.connect.backoff = std::chrono::milliseconds(100);
  o.ioTimeout = std::chrono::seconds(10);
  o.commandTimeout = std::chrono::seconds(30);
  return o;
}

namespace {
// One testbed per test binary: up before the first test, down after the last (a gtest Environment is
// exactly "SetUpTestSuite/TearDownTestSuite of the whole binary", across every suite in it).
bool g_up = false;
std::string g_upError;

class TestbedEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      Testbed::up(TestbedTest::kHosts);
      g_up = true;
    } catch (const std::exception& e) {
      g_upError = e.what();
    }
  }
  void TearDown() override { Testbed::down(); }
};

[[maybe_unused]] ::testing::Environment* const g_env = ::testing::AddGlobalTestEnvironment(new TestbedEnvironment);
}  // namespace

void TestbedTest::SetUpTestSuite() {}
void TestbedTest::TearDownTestSuite() {}
void TestbedTest::SetUp() {
  if (!g_up) GTEST_FAIL() << "testbed is not up: " << g_upError;
}

}  // namespace kforge::e2e
