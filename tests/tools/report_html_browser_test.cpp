// `kforge report RUN --html FILE` opened in a real headless browser (Debian's chromium, scripts/deps.sh): the
// page's own script must have drawn one lane per host and one bar per step, and a chart per probe channel, into the
// DOM Chromium dumps after loading the file — with hostile host names shown as text, not markup. A page whose
// script is broken fails the same check (the second test), so the check can tell.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/fs.hpp"
#include "tool_util.hpp"
#include "upgrade/report.hpp"

using namespace kforge;
using namespace kforge::testing;
using namespace kforge::upgrade;

namespace {

const std::string kEvilHost = "<img src=x onerror=\"document.body.dataset.pwned=1\">";

// Three hosts and the cluster-wide lane, two attempts (the first killed), backups, a failed step, and a probe with
// both channels, failed writes and a gap.
RunData sampleRun() {
  const int64_t t0 = 1764444901000;
  RunData r;
  r.runId = "20251129-193501-7f3a";
  r.cluster = "prod";
  r.commandKey = "upgrade apply --to v1.37.2";
  r.fromVersion = "v1.36.3";
  r.toVersion = "v1.37.2";
  r.strategy = "in-place";
  r.startedMs = t0;
  r.finishedMs = t0 + 95000;
  r.outcome = "succeeded";
  Attempt a1;
  a1.number = 1;
  a1.commandLine = "kforge upgrade apply --to v1.37.2";
  a1.startedMs = t0;
  a1.finishedMs = t0 + 40000;
  a1.outcome = "interrupted";
  a1.steps.push_back({"gate", "", "check the cluster", t0 + 500, t0 + 4000, "ok", "", ""});
  a1.steps.push_back({"backup", "cp1", "verified etcd backup", t0 + 5000, t0 + 9000, "ok", "", "prod-1"});
  a1.steps.push_back({"etcd", "cp1", "upgrade etcd member cp1", t0 + 5000, t0 + 20000, "ok", "healthy", "prod-1"});
  a1.steps.push_back({"etcd", kEvilHost, "upgrade etcd member </script>", t0 + 21000, t0 + 40000, "interrupted",
                      "</script><script>document.body.dataset.pwned=2</script>", ""});
  Attempt a2;
  a2.number = 2;
  a2.commandLine = "kforge upgrade apply --to v1.37.2 --yes";
  a2.startedMs = t0 + 50000;
  a2.finishedMs = t0 + 95000;
  a2.outcome = "succeeded";
  a2.steps.push_back({"etcd", kEvilHost, "upgrade etcd member", t0 + 51000, t0 + 70000, "ok", "healthy", ""});
  a2.steps.push_back({"drain", "w1", "drain w1", t0 + 71000, t0 + 80000, "failed", "PDB web allows 0", ""});
  a2.steps.push_back({"kubelet", "w1", "upgrade the kubelet", t0 + 80000, t0 + 94000, "skipped", "", ""});
  ProbeFigures f;
  f.runId = "20251129-193501-7f3a-a2";
  f.startedAtMs = t0 + 50500;
  f.durationSeconds = 44;
  f.intervalMs = 100;
  for (const char* name : {"etcd", "kube-api"}) {
    ProbeChannelFigures c;
    c.channel = name;
    for (int i = 0; i < 440; ++i) {
      bool down = i >= 150 && i < 165;  // 1.5 s without a successful write
      c.series.push_back({i * 0.1, down ? 1000.0 : 2.0 + (i % 7), !down});
    }
    c.attempted = 440;
    c.acknowledged = 425;
    c.failed = 15;
    c.verified = true;
    c.longestGapSeconds = 1.6;
    c.longestGapStart = 14.9;
    f.channels.push_back(c);
  }
  a2.probe = f;
  r.attempts = {a1, a2};
  return r;
}

struct Browser {
  int exitCode = -1;
  std::string dom;
  double seconds = 0;
};

Browser dumpDom(const std::string& page, const std::string& profileDir) {
  auto t0 = std::chrono::steady_clock::now();
  // --no-sandbox: the test runs as root, where Chromium's sandbox refuses to start. A private profile directory:
  // nothing from (or to) the user's own.
  auto r = run("timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions "
               "--user-data-dir=" + shq(profileDir) + " --dump-dom " + shq("file://" + page) + " 2>/dev/null");
  Browser b;
  b.exitCode = r.exitCode;
  b.dom = r.out;
  b.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return b;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = 0; (pos = hay.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
  return n;
}

// What the page's script must have put into the DOM. Returns the problems found (empty: rendered).
std::vector<std::string> renderProblems(const std::string& dom) {
  std::vector<std::string> p;
  if (dom.find("<body data-render=\"ok\"") == std::string::npos) p.push_back("<body> lacks data-render=\"ok\"");
  if (dom.find("id=\"timeline-svg\"") == std::string::npos) p.push_back("no timeline <svg>");
  // One lane per host, cluster-wide first; the evil name as an attribute value and as text, never as an element.
  for (const std::string lane : {"<g class=\"lane\" data-host=\"\"", "<g class=\"lane\" data-host=\"cp1\"",
                                 "<g class=\"lane\" data-host=\"w1\"", "<g class=\"lane\" data-host=\"&lt;img src=x"})
    if (count(dom, lane) != 1) p.push_back("lane " + lane + " drawn " + std::to_string(count(dom, lane)) + " times");
  if (count(dom, "<g class=\"lane\"") != 4) p.push_back(std::to_string(count(dom, "<g class=\"lane\"")) + " lanes, not 4");
  if (dom.find(">&lt;img src=x onerror=\"document.body.dataset.pwned=1\"&gt;</text>") == std::string::npos)
    p.push_back("the hostile host name is not shown as text in its lane");
  // One bar per step (7), with their results and the backup.
  if (count(dom, "<rect class=\"step ") != 7) p.push_back(std::to_string(count(dom, "<rect class=\"step ")) + " step bars, not 7");
  for (const std::string bar : {"<rect class=\"step result-ok\"", "<rect class=\"step result-failed\"",
                                "<rect class=\"step result-skipped\"", "<rect class=\"step result-interrupted\"",
                                "<rect class=\"step backup\""})
    if (dom.find(bar) == std::string::npos) p.push_back("no " + bar);
  if (dom.find("class=\"attempt-label\"") == std::string::npos) p.push_back("no attempt boundary");
  // The probe charts: one per channel, the latency line, failed writes, the longest gap shaded.
  for (const std::string ch : {"<svg class=\"probe\" data-channel=\"etcd\"", "<svg class=\"probe\" data-channel=\"kube-api\""})
    if (dom.find(ch) == std::string::npos) p.push_back("no chart " + ch);
  if (count(dom, "<polyline class=\"latency\"") != 2) p.push_back("latency lines missing");
  if (count(dom, "<path class=\"failures\"") != 2) p.push_back("failed writes not marked");
  if (count(dom, "<rect class=\"gap longest\"") != 2) p.push_back("longest gap not shaded");
  if (dom.find("Drawn: 4 lanes, 7 steps, 2 probe charts.") == std::string::npos) p.push_back("no render status line");
  // Nothing from the report became markup or ran.
  if (dom.find("<img") != std::string::npos) p.push_back("an <img> element exists");
  if (dom.find("data-pwned") != std::string::npos) p.push_back("injected script ran");
  return p;
}

class ReportHtmlBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run("command -v chromium").exitCode, 0)
        << "chromium is not installed: scripts/deps.sh installs Debian's chromium package";
    dir_ = makeTempDir("kforge-report-html");
    RunData r = sampleRun();
    writeFileAtomic(RunReport::pathFor(dir_, r.runId), toJson(r).dump(1) + "\n", 0600);
    page_ = dir_ + "/run.html";
    auto k = run(shq(kforgeBinary()) + " report " + r.runId + " --state-dir " + shq(dir_) + " --html " + shq(page_));
    ASSERT_EQ(k.exitCode, 0) << k.out;
  }
  void TearDown() override { run("rm -rf " + shq(dir_)); }
  std::string dir_, page_;
};

}  // namespace

TEST_F(ReportHtmlBrowser, ChromiumDrawsALanePerHostABarPerStepAndTheProbeCharts) {
  Browser b = dumpDom(page_, dir_ + "/profile");
  ASSERT_EQ(b.exitCode, 0) << b.dom;
  std::string problems;
  for (const auto& p : renderProblems(b.dom)) problems += "\n  " + p;
  EXPECT_TRUE(problems.empty()) << "the page did not render:" << problems << "\n--- DOM ---\n" << b.dom.substr(0, 6000);
  EXPECT_NE(b.dom.find("<p id=\"render-error\" hidden=\"\"></p>"), std::string::npos) << "an error was shown";
  RecordProperty("chromium_seconds", std::to_string(b.seconds));
  std::printf("chromium --dump-dom took %.2f s\n", b.seconds);
}

TEST_F(ReportHtmlBrowser, APageWithABrokenScriptFailsTheSameCheck) {
  // Two ways a page can break: its script throws half-way (the data it draws is not what it expects), and its
  // script does not run at all.
  std::string html = readFile(page_);
  const std::string broken = dir_ + "/broken.html";
  std::string mangled = html;
  size_t at = mangled.find("\"attempts\":[");
  ASSERT_NE(at, std::string::npos);
  mangled.replace(at, 12, "\"attempts\":[{\"steps\":7},");  // a.steps.forEach is not a function
  writeFileAtomic(broken, mangled, 0600);
  Browser b = dumpDom(broken, dir_ + "/profile");
  ASSERT_EQ(b.exitCode, 0);
  EXPECT_FALSE(renderProblems(b.dom).empty());
  EXPECT_NE(b.dom.find("<body data-render=\"error\""), std::string::npos) << b.dom.substr(0, 3000);
  EXPECT_NE(b.dom.find("<p id=\"render-error\">The timeline could not be drawn: "), std::string::npos)
      << b.dom.substr(0, 3000);

  std::string noScript = html;
  at = noScript.find("var laneGroups");
  ASSERT_NE(at, std::string::npos);
  noScript.replace(at, 3, "vra");  // a syntax error: nothing runs
  writeFileAtomic(broken, noScript, 0600);
  b = dumpDom(broken, dir_ + "/profile");
  ASSERT_EQ(b.exitCode, 0);
  auto problems = renderProblems(b.dom);
  EXPECT_FALSE(problems.empty());
  EXPECT_EQ(b.dom.find("<g class=\"lane\""), std::string::npos);
}
