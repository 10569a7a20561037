// The availability probe with nothing to talk to (upgrade/probe.hpp): every write fails, nothing is thrown, stop()
// comes back within its bounds and says the end check could not run. Against real servers: tests/tools/probe_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "upgrade/probe.hpp"

using namespace kforge;
using namespace kforge::upgrade;

TEST(ProbeUnreachable, EveryWriteFailsNothingThrowsAndStopIsPrompt) {
  kube::Credentials api;
  api.server = "https://127.0.0.1:1";  // nothing listens on port 1
  api.insecureSkipTlsVerify = true;
  ProbeOptions o;
  o.interval = std::chrono::milliseconds(50);
  o.callTimeout = std::chrono::milliseconds(300);
  o.verifyFor = std::chrono::milliseconds(300);
  AvailabilityProbe p("unit-unreachable", {"127.0.0.1:1"}, {}, api, o);
  p.start();
  EXPECT_TRUE(p.running());
  EXPECT_THROW(p.start(), Error);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto t0 = std::chrono::steady_clock::now();
  ProbeFigures f = p.stop();
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_FALSE(p.running());
  // Join (a call in flight: <= callTimeout), then per channel the check (verifyFor + one try) and the clean-up.
  EXPECT_LT(took, 4.0);
  ASSERT_EQ(f.channels.size(), 2u);
  for (const auto& c : f.channels) {
    EXPECT_GT(c.attempted, 3) << c.channel;
    EXPECT_EQ(c.acknowledged, 0) << c.channel;
    EXPECT_EQ(c.failed, c.attempted);
    EXPECT_FALSE(c.verified) << c.channel;
    EXPECT_FALSE(c.checkError.empty()) << c.channel;
    EXPECT_FALSE(c.lastError.empty()) << c.channel;
    EXPECT_FALSE(c.cleanupError.empty()) << c.channel;
    // No successful write at all: the gap is the whole run.
    EXPECT_NEAR(c.longestGapSeconds, f.durationSeconds, 1e-9) << c.channel;
    for (const auto& s : c.series) EXPECT_FALSE(s.ok);
  }
  kube::Credentials none;
  none.server = "https://127.0.0.1:1";
  std::string why = removeProbeLeftovers("unit-unreachable", {"127.0.0.1:1"}, {}, none, o);
  EXPECT_NE(why.find("etcd: "), std::string::npos) << why;
  EXPECT_NE(why.find("kube-api: "), std::string::npos) << why;
  EXPECT_NE(removeProbeLeftovers("../x", {}, {}, std::nullopt), "");
  // A second stop() gives the same figures.
  EXPECT_EQ(p.stop().channels.at(0).attempted, f.channels.at(0).attempted);
}

TEST(ProbeUnreachable, RefusesRunIdsThatCannotNameKeysAndObjects) {
  for (const char* bad : {"", "UPPER", "has space", "-lead", "trail-", "a/b", "x1234567890123456789012345678901234567890"})
    EXPECT_THROW(AvailabilityProbe(bad, {"127.0.0.1:1"}, {}, std::nullopt), Error) << bad;
  EXPECT_NO_THROW(AvailabilityProbe("20251129-193501-7f3a-a2", {}, {}, std::nullopt));
  // Never started: stop() returns empty figures.
  AvailabilityProbe idle("idle", {"127.0.0.1:1"}, {}, std::nullopt);
  EXPECT_TRUE(idle.stop().channels.empty());
  EXPECT_EQ(probeEtcdPrefix("r1"), "/kforge-probe/r1/");
  EXPECT_EQ(probeLabelSelector("r1"), "kforge.dev/probe-run=r1");
}
