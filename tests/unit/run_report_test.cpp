// The run report (upgrade/report.hpp): steps recorded from the plan runner's progress, backups tied to the step
// they precede, resuming after a real SIGKILL, every write atomic, the HTML page escaping what it shows, and
// `kforge report` on top.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli_run.hpp"
#include "core/fs.hpp"
#include "core/plan.hpp"
#include "core/progress.hpp"
#include "upgrade/report.hpp"
#include "upgrade/report_html.hpp"

using namespace kforge;
using namespace kforge::upgrade;
namespace fs = std::filesystem;

namespace {

std::string tempStateDir() {
  const char* base = std::getenv("TMPDIR");
  std::string t = std::string(base ? base : "/tmp") + "/kforge-report-XXXXXX";
  if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp");
  return t;
}

const StepRecord* findStep(const Attempt& a, const std::string& phase, const std::string& host) {
  for (const auto& s : a.steps)
    if (s.phase == phase && s.host == host) return &s;
  return nullptr;
}

// Files in runs/ other than the reports themselves (a temporary file left by a write).
std::vector<std::string> strayFiles(const std::string& stateDir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(RunReport::runsDir(stateDir)))
    if (e.path().extension() != ".json" || e.path().filename().string()[0] == '.') out.push_back(e.path().string());
  return out;
}

ProbeFigures sampleProbe(int64_t startMs) {
  ProbeFigures f;
  f.runId = "x-a1";
  f.startedAtMs = startMs;
  f.durationSeconds = 3;
  f.intervalMs = 100;
  ProbeChannelFigures c;
  c.channel = "etcd";
  c.target = "127.0.0.1:2379";
  for (int i = 0; i < 30; ++i) c.series.push_back({i * 0.1, 2.5 + i % 3, !(i >= 10 && i < 20)});
  c.attempted = 30;
  c.acknowledged = 20;
  c.failed = 10;
  c.verified = true;
  c.longestGapSeconds = 1.1;
  c.longestGapStart = 0.9;
  f.channels.push_back(c);
  return f;
}

}  // namespace

TEST(RunReportTime, FormatsAndParsesUtcMilliseconds) {
  EXPECT_EQ(formatUtcMs(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatUtcMs(1764444901123), "2025-11-29T19:35:01.123Z");
  EXPECT_EQ(parseUtcMs("2025-11-29T19:35:01.123Z"), 1764444901123);
  EXPECT_EQ(parseUtcMs("2025-11-29T19:35:01Z"), 1764444901000);
  EXPECT_EQ(parseUtcMs("2025-11-29T19:35:01.1Z"), 1764444901100);
  EXPECT_EQ(parseUtcMs("2025-11-29T19:35:01.123456789Z"), 1764444901123);
  for (const char* bad : {"", "2025-11-29", "2025-11-29T19:35:01", "2025-11-29T19:35:01.Z", "2025-13-29T19:35:01Z",
                          "2025-11-29T19:35:01+01:00", "2025-11-29T19:35:01.123Zx"})
    EXPECT_FALSE(parseUtcMs(bad)) << bad;
}

TEST(RunReport, RecordsThePlanRunnersStepsAndTiesEachBackupToTheStepItPreceded) {
  std::string dir = tempStateDir();
  auto rep = RunReport::resumeOrStart(dir, "prod", "upgrade apply --to v1.37.2", "kforge upgrade apply --to v1.37.2");
  rep.setVersions("v1.36.3", "v1.37.2");
  rep.setStrategy("in-place");
  std::ostringstream sink;
  Progress progress(sink, false);
  progress.setQuiet(true);  // listeners still hear every event
  rep.attach(progress);

  // The real runner: a risky step gets its backup in beforeRisky, reported as the Applier does
  // ("backup" step, the id first in the detail) after the step's Started.
  Plan plan;
  plan.steps.push_back({"etcd", "cp1", "upgrade etcd member cp1", true, [] { return std::string("healthy"); }});
  plan.steps.push_back({"kubelet", "cp1", "upgrade the kubelet", false, [] { return std::string("v1.37.2"); }});
  plan.steps.push_back({"etcd", "cp2", "upgrade etcd member cp2", true, [] { return std::string("healthy"); }});
  int n = 0;
  runPlan(plan, progress, [&](const Step& s) {
    progress.report(s.host, "backup", StepStatus::Ok,
                    "prod-20251129-1935" + std::to_string(++n) + " (1234 bytes, sha256 verified)");
  });
  // A backup reported before its step starts (a cluster-wide one, as restore takes it) goes to the next step
  // started on that host, and to no other host's.
  progress.report("", "backup", StepStatus::Ok, "prod-pre-restore (99 bytes, sha256 verified)");
  progress.report("w1", "drain", StepStatus::Started, "drain w1");
  progress.report("", "restore", StepStatus::Started, "restore the snapshot");
  progress.report("", "restore", StepStatus::Failed, "etcdutl: boom");
  progress.report("w1", "drain", StepStatus::Ok, "3 pods evicted");
  rep.finish(false, "restore: etcdutl: boom");

  RunData r = RunReport::load(rep.path());
  ASSERT_EQ(r.attempts.size(), 1u);
  const Attempt& a = r.attempts[0];
  auto* etcd1 = findStep(a, "etcd", "cp1");
  auto* etcd2 = findStep(a, "etcd", "cp2");
  auto* kubelet = findStep(a, "kubelet", "cp1");
  auto* drain = findStep(a, "drain", "w1");
  auto* restore = findStep(a, "restore", "");
  ASSERT_TRUE(etcd1 && etcd2 && kubelet && drain && restore);
  EXPECT_EQ(etcd1->backupId, "prod-20251129-19351");
  EXPECT_EQ(etcd2->backupId, "prod-20251129-19352");
  EXPECT_EQ(kubelet->backupId, "");
  EXPECT_EQ(drain->backupId, "");
  EXPECT_EQ(restore->backupId, "prod-pre-restore");
  EXPECT_EQ(etcd1->result, "ok");
  EXPECT_EQ(etcd1->detail, "healthy");
  EXPECT_EQ(etcd1->description, "upgrade etcd member cp1");
  EXPECT_EQ(restore->result, "failed");
  EXPECT_EQ(restore->detail, "etcdutl: boom");
  EXPECT_EQ(drain->result, "ok");
  EXPECT_GE(etcd1->endMs, etcd1->startMs);
  // The backups are steps of their own, inside the step they preceded.
  int backups = 0;
  for (const auto& s : a.steps)
    if (s.phase == "backup") {
      ++backups;
      EXPECT_EQ(s.result, "ok");
      EXPECT_FALSE(s.backupId.empty());
    }
  EXPECT_EQ(backups, 3);
  auto* b1 = findStep(a, "backup", "cp1");
  EXPECT_GE(b1->startMs, etcd1->startMs);
  EXPECT_LE(b1->endMs, etcd1->endMs);
  EXPECT_EQ(r.outcome, "failed");
  EXPECT_EQ(a.outcome, "failed");
  EXPECT_EQ(a.error, "restore: etcdutl: boom");
  EXPECT_EQ(r.fromVersion, "v1.36.3");
  EXPECT_EQ(r.strategy, "in-place");
  EXPECT_TRUE(strayFiles(dir).empty());
  EXPECT_EQ(fs::status(rep.path()).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  fs::remove_all(dir);
}

TEST(RunReport, EveryChangeIsOnDiskAtOnce) {
  std::string dir = tempStateDir();
  auto rep = RunReport::resumeOrStart(dir, "prod", "k", "kforge x");
  rep.stepStarted("etcd", "cp1", "upgrade etcd");
  EXPECT_EQ(RunReport::load(rep.path()).attempts[0].steps.at(0).result, "running");
  rep.stepFinished("etcd", "cp1", "ok", "done");
  EXPECT_EQ(RunReport::load(rep.path()).attempts[0].steps.at(0).result, "ok");
  rep.setGateFindings({{"etcd-quorum", "", "ok", "3 of 3 healthy"}, {"pdb", "w1", "failed", "web allows 0"}});
  EXPECT_EQ(RunReport::load(rep.path()).attempts[0].gate.size(), 2u);
  rep.setProbe(sampleProbe(unixMsNow()));
  auto r = RunReport::load(rep.path());
  ASSERT_TRUE(r.attempts[0].probe);
  EXPECT_EQ(r.attempts[0].probe->channels.at(0).series.size(), 30u);
  EXPECT_FALSE(r.attempts[0].probe->channels.at(0).series.at(15).ok);
  EXPECT_DOUBLE_EQ(r.attempts[0].probe->channels.at(0).series.at(29).t, 2.9);
  EXPECT_FALSE(r.finished());
  fs::remove_all(dir);
}

// A process killed with SIGKILL in the middle of a step, then the same command again: the report is continued
// with a second attempt, the first marked interrupted together with its step in flight.
TEST(RunReport, ResumesAfterARealSigkillWithANewAttempt) {
  std::string dir = tempStateDir();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto rep = RunReport::resumeOrStart(dir, "prod", "upgrade apply --to v1.37.2", "kforge upgrade apply --to v1.37.2");
    rep.setVersions("v1.36.3", "v1.37.2");
    rep.stepStarted("etcd", "cp1", "upgrade etcd member cp1");
    rep.stepFinished("etcd", "cp1", "ok", "healthy");
    rep.stepStarted("etcd", "cp2", "upgrade etcd member cp2");
    ::raise(SIGKILL);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  // Another cluster, or another command, never continues it.
  auto other = RunReport::resumeOrStart(dir, "prod", "upgrade apply --to v1.38.0", "kforge upgrade apply --to v1.38.0");
  EXPECT_EQ(other.attempt(), 1);
  auto otherCluster = RunReport::resumeOrStart(dir, "staging", "upgrade apply --to v1.37.2", "kforge ...");
  EXPECT_EQ(otherCluster.attempt(), 1);

  auto rep = RunReport::resumeOrStart(dir, "prod", "upgrade apply --to v1.37.2", "kforge upgrade apply --to v1.37.2 --yes");
  EXPECT_EQ(rep.attempt(), 2);
  EXPECT_EQ(rep.probeId(), rep.runId() + "-a2");
  rep.setVersions("v1.37.2", "v1.37.2");  // what the second run observed: the first run's `from` is kept
  rep.stepStarted("etcd", "cp2", "upgrade etcd member cp2");
  rep.stepFinished("etcd", "cp2", "ok", "healthy");
  rep.finish(true);

  RunData r = RunReport::load(rep.path());
  EXPECT_NE(r.runId, other.runId());
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.fromVersion, "v1.36.3");
  const Attempt& first = r.attempts[0];
  EXPECT_EQ(first.outcome, "interrupted");
  EXPECT_NE(first.finishedMs, 0);
  EXPECT_NE(first.error.find("continued by attempt 2"), std::string::npos);
  ASSERT_EQ(first.steps.size(), 2u);
  EXPECT_EQ(first.steps[0].result, "ok");
  EXPECT_EQ(first.steps[1].result, "interrupted");
  EXPECT_EQ(first.steps[1].host, "cp2");
  const Attempt& second = r.attempts[1];
  EXPECT_EQ(second.number, 2);
  EXPECT_EQ(second.commandLine, "kforge upgrade apply --to v1.37.2 --yes");
  EXPECT_EQ(second.outcome, "succeeded");
  EXPECT_EQ(r.outcome, "succeeded");
  EXPECT_TRUE(r.finished());

  // Finished: the same command again starts a new report.
  auto again = RunReport::resumeOrStart(dir, "prod", "upgrade apply --to v1.37.2", "kforge upgrade apply --to v1.37.2");
  EXPECT_EQ(again.attempt(), 1);
  EXPECT_NE(again.runId(), r.runId);
  EXPECT_EQ(RunReport::list(dir).size(), 4u);
  fs::remove_all(dir);
}

// SIGKILL at arbitrary moments of a process that rewrites its report as fast as it can: whatever the moment, the
// file on disk is a whole report (the old or the new one), never a torn one, and only temporary files of the
// write in flight may be left (which list() ignores).
TEST(RunReport, KilledAtAnyMomentTheFileIsAWholeReport) {
  std::string dir = tempStateDir();
  std::string path;
  for (int round = 0; round < 6; ++round) {
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(pipefd[0]);
      auto rep = RunReport::resumeOrStart(dir, "prod", "upgrade apply --to v1.37.2", "kforge upgrade apply");
      (void)!::write(pipefd[1], "x", 1);
      for (int i = 0;; ++i) {
        rep.stepStarted("step", "cp" + std::to_string(i % 3), "step " + std::to_string(i) + std::string(200, 'x'));
        rep.stepFinished("step", "cp" + std::to_string(i % 3), "ok", "done");
      }
    }
    ::close(pipefd[1]);
    char c;
    ASSERT_EQ(::read(pipefd[0], &c, 1), 1);
    ::close(pipefd[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + round * 17));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    auto runs = RunReport::list(dir);
    ASSERT_EQ(runs.size(), 1u) << "round " << round;
    path = RunReport::pathFor(dir, runs[0].runId);
    RunData r = RunReport::load(path);  // throws on a torn file
    EXPECT_EQ(static_cast<int>(r.attempts.size()), round + 1);
    EXPECT_FALSE(r.finished());
  }
  RunData r = RunReport::load(path);
  for (size_t i = 0; i + 1 < r.attempts.size(); ++i) EXPECT_EQ(r.attempts[i].outcome, "interrupted");
  fs::remove_all(dir);
}

TEST(RunReport, JsonRoundTripsAndRejectsWhatIsNotAReport) {
  RunData r;
  r.runId = "20251129-193501-7f3a";
  r.cluster = "prod";
  r.commandKey = "upgrade apply --to v1.37.2";
  r.startedMs = 1764444901123;
  Attempt a;
  a.startedMs = r.startedMs;
  a.steps.push_back({"etcd", "cp1", "d", r.startedMs, r.startedMs + 1500, "ok", "fine", "b1"});
  a.gate.push_back({"etcd-quorum", "", "ok", "3 of 3"});
  a.probe = sampleProbe(r.startedMs);
  r.attempts.push_back(a);
  RunData back = runFromJson(toJson(r));
  EXPECT_EQ(toJson(back), toJson(r));
  auto j = toJson(r);
  j["version"] = 2;
  EXPECT_THROW(runFromJson(j), Error);
  j = toJson(r);
  j["kind"] = "Pod";
  EXPECT_THROW(runFromJson(j), Error);
  j = toJson(r);
  j["runId"] = "../../etc/passwd";
  EXPECT_THROW(runFromJson(j), Error);
  j = toJson(r);
  j["attempts"][0]["steps"][0]["start"] = "yesterday";
  EXPECT_THROW(runFromJson(j), Error);
  EXPECT_THROW(RunReport::pathFor("/s", "../x"), Error);
  EXPECT_THROW(RunReport::pathFor("/s", ".hidden"), Error);
  EXPECT_THROW(RunReport::pathFor("/s", "a/b"), Error);
  EXPECT_EQ(RunReport::pathFor("/s", "20251129-193501-7f3a"), "/s/runs/20251129-193501-7f3a.json");
}

// Text from hosts and the inventory in the page: escaped in the tables, and unable to end the data <script>.
TEST(RunReportHtml, EscapesEveryTextAndLoadsNothingFromOutside) {
  RunData r;
  r.runId = "20251129-193501-7f3a";
  r.cluster = "prod<b>bold</b>";
  r.commandKey = "upgrade apply --to v1.37.2 \"quoted\" 'single' & more";
  r.startedMs = 1764444901123;
  Attempt a;
  a.startedMs = r.startedMs;
  a.commandLine = "kforge upgrade apply";
  const std::string evilHost = "<img src=x onerror=\"document.body.dataset.pwned=1\">";
  const std::string evilDetail = "</script><script>document.body.dataset.pwned=2</script><!--";
  a.steps.push_back({"etcd", evilHost, "upgrade <etcd>", r.startedMs, r.startedMs + 1000, "ok", evilDetail, ""});
  a.gate.push_back({"pdb", "w1", "failed", "</table><script>alert(3)</script>"});
  a.probe = sampleProbe(r.startedMs);
  a.probe->channels[0].lastError = "<svg onload=alert(4)>";
  r.attempts.push_back(a);
  std::string html = renderReportHtml(r);

  for (const char* raw : {"<img", "<b>", "</script><script>", "<svg onload", "</table><script>", "alert(3)</script>",
                          "<!--", "<etcd>", "\"quoted\""})
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
  EXPECT_NE(html.find("&lt;img src=x onerror=&quot;document.body.dataset.pwned=1&quot;&gt;"), std::string::npos);
  EXPECT_NE(html.find("prod&lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("&#39;single&#39; &amp; more"), std::string::npos);
  // In the data block, the JSON escapes.
  EXPECT_NE(html.find("\\u003c/script\\u003e\\u003cscript\\u003edocument.body.dataset.pwned=2"), std::string::npos);
  // Exactly two script elements: the data and the page's own.
  size_t scripts = 0;
  for (size_t pos = 0; (pos = html.find("<script", pos)) != std::string::npos; ++pos) ++scripts;
  EXPECT_EQ(scripts, 2u);
  size_t ends = 0;
  for (size_t pos = 0; (pos = html.find("</script", pos)) != std::string::npos; ++pos) ++ends;
  EXPECT_EQ(ends, 2u);
  // Self-contained: no tag that loads a resource, and a policy that forbids it. Escaped text has no '<', so
  // outside the script and style elements every '<...>' is a tag.
  std::string markup = html;
  for (const std::string open : {"<script", "<style"}) {
    const std::string close = "</" + open.substr(1) + ">";
    for (size_t a = 0; (a = markup.find(open, a)) != std::string::npos; ++a) {
      size_t body = markup.find('>', a) + 1, end = markup.find(close, body);
      ASSERT_NE(end, std::string::npos);
      markup.erase(body, end - body);
    }
  }
  for (size_t a = 0; (a = markup.find('<', a)) != std::string::npos; ++a) {
    std::string tag = markup.substr(a, markup.find('>', a) - a + 1);
    for (const char* ref : {" src=", " href=", " srcset=", " poster=", " data=", "url(", "<link", "<iframe", "<object",
                            "<embed", "<img", "<base"})
      EXPECT_EQ(tag.find(ref), std::string::npos) << tag;
  }
  EXPECT_EQ(std::string(kforge::upgrade::htmlEscape("<a href='x'>&")), "&lt;a href=&#39;x&#39;&gt;&amp;");
  for (const char* css : {"url(", "@import"}) EXPECT_EQ(html.find(css), std::string::npos) << css;
  EXPECT_NE(html.find("default-src 'none'; script-src 'sha256-"), std::string::npos);
}

TEST(CliReport, ListsPrintsAndWritesAPage) {
  using kforge::testing::runKforge;
  std::string dir = tempStateDir();
  auto rep = RunReport::resumeOrStart(dir, "prod", "upgrade apply --to v1.37.2", "kforge upgrade apply --to v1.37.2");
  rep.setVersions("v1.36.3", "v1.37.2");
  rep.stepStarted("etcd", "cp1", "upgrade etcd member cp1");
  rep.backupTaken("cp1", "prod-20251129-193501", "prod-20251129-193501 (1 MiB, sha256 verified)");
  rep.stepFinished("etcd", "cp1", "ok", "healthy");
  rep.setGateFindings({{"etcd-quorum", "", "ok", "3 of 3 members healthy"}});
  rep.setProbe(sampleProbe(unixMsNow()));
  rep.finish(true);

  auto list = runKforge("report --state-dir " + dir);
  EXPECT_EQ(list.exitCode, 0) << list.err;
  EXPECT_NE(list.out.find(rep.runId()), std::string::npos);
  EXPECT_NE(list.out.find("succeeded"), std::string::npos);
  auto lj = runKforge("report --state-dir " + dir + " -o json");
  EXPECT_EQ(nlohmann::json::parse(lj.out)["runs"].at(0)["runId"], rep.runId());

  auto text = runKforge("report " + rep.runId() + " --state-dir " + dir);
  EXPECT_EQ(text.exitCode, 0) << text.err;
  for (const char* want : {"cluster prod", "v1.36.3 -> v1.37.2", "cp1", "upgrade etcd member cp1",
                           "[backup prod-20251129-193501 before]", "etcd-quorum", "acknowledged 20", "lost 0",
                           "longest gap 1.10 s"})
    EXPECT_NE(text.out.find(want), std::string::npos) << want << "\n" << text.out;
  auto latest = runKforge("report latest --state-dir " + dir);
  EXPECT_EQ(latest.out, text.out);
  auto json = runKforge("report " + rep.runId() + " --state-dir " + dir + " -o json");
  EXPECT_EQ(json.exitCode, 0);
  EXPECT_EQ(json.out, readFile(rep.path()));

  std::string page = dir + "/page.html";
  auto html = runKforge("report " + rep.runId() + " --state-dir " + dir + " --html " + page);
  EXPECT_EQ(html.exitCode, 0) << html.err;
  EXPECT_NE(readFile(page).find("id=\"report-data\""), std::string::npos);

  EXPECT_EQ(runKforge("report nope --state-dir " + dir).exitCode, 3);
  EXPECT_EQ(runKforge("report ../../etc/passwd --state-dir " + dir).exitCode, 3);
  EXPECT_EQ(runKforge("report").exitCode, 2);
  EXPECT_EQ(runKforge("report --state-dir " + dir + " --html " + page).exitCode, 2);
  writeFileAtomic(RunReport::runsDir(dir) + "/broken.json", "{not json", 0600);
  EXPECT_EQ(runKforge("report broken --state-dir " + dir).exitCode, 3);
  auto stillLists = runKforge("report --state-dir " + dir);
  EXPECT_EQ(stillLists.exitCode, 0);
  EXPECT_NE(stillLists.err.find("broken.json"), std::string::npos);
  fs::remove_all(dir);
}

// A killed attempt's probe figures, recovered from its journal by the attempt that continued the report, go to
// that (earlier) attempt; the file, `kforge report` and the page say where they came from.
TEST(CliReport, AKilledAttemptsRecoveredProbeFigures) {
  using kforge::testing::runKforge;
  std::string dir = tempStateDir();
  { auto first = RunReport::resumeOrStart(dir, "prod", "upgrade apply --to v1.37.2", "kforge upgrade apply"); }  // killed
  auto rep = RunReport::resumeOrStart(dir, "prod", "upgrade apply --to v1.37.2", "kforge upgrade apply");
  ASSERT_EQ(rep.attempt(), 2);
  EXPECT_EQ(rep.probeIdOf(1), rep.runId() + "-a1");
  ProbeFigures recovered = sampleProbe(unixMsNow() - 60000);
  recovered.runId = rep.probeIdOf(1);
  recovered.recoveredFromJournal = true;
  EXPECT_TRUE(rep.setProbe(recovered, 1));
  EXPECT_FALSE(rep.setProbe(recovered, 7));  // no such attempt
  rep.setProbe(sampleProbe(unixMsNow()));
  rep.finish(true);
  RunData r = RunReport::load(rep.path());
  ASSERT_TRUE(r.attempts.at(0).probe && r.attempts.at(1).probe);
  EXPECT_TRUE(r.attempts[0].probe->recoveredFromJournal);
  EXPECT_EQ(r.attempts[0].probe->runId, rep.runId() + "-a1");
  EXPECT_FALSE(r.attempts[1].probe->recoveredFromJournal);
  auto j = nlohmann::json::parse(readFile(rep.path()));
  EXPECT_EQ(j["attempts"][0]["probe"]["recoveredFromJournal"], true);
  EXPECT_EQ(j["attempts"][1]["probe"]["recoveredFromJournal"], false);
  // A report written before the field existed reads as not recovered.
  j["attempts"][0]["probe"].erase("recoveredFromJournal");
  EXPECT_FALSE(runFromJson(j).attempts[0].probe->recoveredFromJournal);

  auto text = runKforge("report " + rep.runId() + " --state-dir " + dir);
  EXPECT_EQ(text.exitCode, 0) << text.err;
  auto first = text.out.find("recovered from its journal");
  EXPECT_NE(first, std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("recovered from its journal", first + 1), std::string::npos) << "only the killed attempt's";
  std::string page = dir + "/page.html";
  auto html = runKforge("report " + rep.runId() + " --state-dir " + dir + " --html " + page);
  EXPECT_EQ(html.exitCode, 0) << html.err;
  EXPECT_NE(readFile(page).find("<p class=\"recovered\">"), std::string::npos);
  fs::remove_all(dir);
}
