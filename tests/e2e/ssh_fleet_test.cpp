// The fleet executor over the testbed: parallel steps, reused sessions, per-host results and progress lines,
// one unreachable host not stopping the others.
#include <atomic>
#include <chrono>
#include <mutex>

#include <unistd.h>

#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/sftp.hpp"
#include "tests/e2e/testbed_fixture.hpp"

using namespace kforge;
using namespace kforge::ssh;
using namespace kforge::e2e;
using Clock = std::chrono::steady_clock;

namespace {
std::vector<FleetHost> testbedHosts() {
  std::vector<FleetHost> hosts;
  for (int i = 1; i <= TestbedTest::kHosts; ++i) hosts.push_back({Testbed::name(i), {Testbed::address(i), 22}});
  return hosts;
}
}  // namespace

class SshFleet : public TestbedTest {};

TEST_F(SshFleet, RunsHostsInParallelAndReusesSessions) {
  std::mutex mu;
  std::vector<ProgressEvent> events;
  Fleet fleet(testbedHosts(), Testbed::options(), 30, [&](const ProgressEvent& e) {
    std::lock_guard lock(mu);
    events.push_back(e);
    std::printf("%s\n", formatProgress(e, 4, 10).c_str());
  });
  EXPECT_EQ(fleet.workers(), 3);

  // Connect everywhere first, so the timed step measures parallel execution.
  StepResults hello = fleet.run("hostname", [](const FleetHost& h, Session& s) {
    std::string out = execChecked(s, "hostname").out;
    if (out != h.name + "\n") throw Error("wrong host: " + out);
    return std::string();
  });
  ASSERT_TRUE(hello.allOk()) << hello.hosts[0].detail;
  Session* first = &fleet.session("tb1");

  // Parallel, proven by events rather than by the clock: each host's command announces itself in a directory
  // every host sees (/tmp is shared with the testbed hosts) and waits there until all 3 have started. Run one
  // at a time, the first would never see the others and fail at its hang bound (120 s, never reached when the
  // commands overlap, however loaded the machine).
  const std::string barrier = Testbed::dir() + "/fleet-barrier-" + std::to_string(::getpid());
  ASSERT_EQ(sh("rm -rf " + barrier + " && mkdir -p " + barrier).exitCode, 0);
  std::atomic<int> running{0}, maxRunning{0};
  StepResults sleep = fleet.run("sleep", [&](const FleetHost& h, Session& s) {
    int now = ++running;
    int prev = maxRunning.load();
    while (now > prev && !maxRunning.compare_exchange_weak(prev, now)) {
    }
    ExecOptions o;
    o.timeout = std::chrono::seconds(150);
    execChecked(s,
                "touch " + barrier + "/" + h.name + "; i=0; "
                "while [ \"$(ls " + barrier + " | wc -l)\" -lt 3 ]; do "
                "i=$((i+1)); [ $i -le 1200 ] || { echo 'alone: the others never started' >&2; exit 1; }; sleep 0.1; done",
                o);
    --running;
    return std::string("slept");
  });
  EXPECT_TRUE(sleep.allOk()) << sleep.hosts[0].detail;
  EXPECT_EQ(maxRunning.load(), 3);
  EXPECT_EQ(sh("ls " + barrier).out, "tb1\ntb2\ntb3\n");
  sh("rm -rf " + barrier);
  EXPECT_EQ(&fleet.session("tb1"), first);  // the same session across steps

  // Upload through the fleet: progress detail from the step.
  FileSet files = {{"/etc/kubernetes/e2e-fleet/a", 0644, "a"}, {"/etc/kubernetes/e2e-fleet/b", 0600, "b"}};
  StepResults up1 = fleet.run("upload", [&](const FleetHost&, Session& s) { return upload(s, files).summary(); });
  StepResults up2 = fleet.run("upload", [&](const FleetHost&, Session& s) { return upload(s, files).summary(); });
  for (const auto& r : up1.hosts) EXPECT_EQ(r.detail, "2 files");
  for (const auto& r : up2.hosts) EXPECT_EQ(r.detail, "2 files, 2 skipped");
  fleet.run("cleanup", [](const FleetHost&, Session& s) { return execChecked(s, "rm -rf /etc/kubernetes/e2e-fleet").out; });

  std::lock_guard lock(mu);
  int started = 0, ok = 0;
  for (const auto& e : events) {
    started += e.status == StepStatus::Started;
    ok += e.status == StepStatus::Ok;
  }
  EXPECT_EQ(started, 15);
  EXPECT_EQ(ok, 15);
  auto it = std::find_if(events.begin(), events.end(), [](const ProgressEvent& e) {
    return e.status == StepStatus::Ok && e.step == "sleep" && e.host == "tb2";
  });
  ASSERT_NE(it, events.end());
  EXPECT_GE(it->duration, 0.0);
  EXPECT_NE(formatProgress(*it).find("] tb2  sleep  ok (slept)"), std::string::npos) << formatProgress(*it);
}

TEST_F(SshFleet, UnreachableHostFailsAloneAndConcurrencyIsBounded) {
  ASSERT_EQ(Testbed::run("kill tb3").exitCode, 0);
  SessionOptions o = Testbed::options();
  o.connect.attempts = 1;
  std::vector<std::string> lines;
  Fleet fleet(testbedHosts(), o, 2, [&](const ProgressEvent& e) { lines.push_back(formatProgress(e)); });
  EXPECT_EQ(fleet.workers(), 2);
  std::atomic<int> running{0}, maxRunning{0};
  StepResults r = fleet.run("probe", [&](const FleetHost&, Session& s) {
    int now = ++running;
    int prev = maxRunning.load();
    while (now > prev && !maxRunning.compare_exchange_weak(prev, now)) {
    }
    std::string out = execChecked(s, "sleep 0.3; hostname").out;
    --running;
    return out.substr(0, out.size() - 1);
  });
  EXPECT_LE(maxRunning.load(), 2);
  EXPECT_FALSE(r.allOk());
  EXPECT_EQ(r.failedHosts(), std::vector<std::string>{"tb3"});
  EXPECT_EQ(r.find("tb1")->detail, "tb1");
  EXPECT_EQ(r.find("tb3")->code, ExitCode::Unreachable);
  EXPECT_NE(r.find("tb3")->detail.find("tb3 (" + Testbed::address(3) + ":22): cannot connect"), std::string::npos);
  bool sawFailLine = false;
  for (const auto& l : lines) sawFailLine |= l.find("tb3  probe  failed: tb3 (") != std::string::npos;
  EXPECT_TRUE(sawFailLine);

  // skipFailed: later steps leave the failed host out.
  fleet.setSkipFailed(true);
  StepResults r2 = fleet.run("next", [](const FleetHost&, Session&) { return std::string(); });
  EXPECT_TRUE(r2.find("tb3")->skipped);
  EXPECT_TRUE(r2.find("tb1")->ok);
  ASSERT_EQ(Testbed::run("start tb3").exitCode, 0);
}
