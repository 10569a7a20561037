// The availability probe's journal (upgrade/probe_journal.hpp) and the figures a later run recovers from it
// (upgrade/probe.hpp, recoverProbeFigures): written and read back as they were, a line torn by a kill ignored,
// a link or a file at the path refused, mode 0600 whatever the umask; a probe killed before stop() leaves a
// journal whose figures count the gap from the start and between ok samples but not the unknown time after the
// last sample, and whose acknowledged writes are checked by the one end check stop() uses.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "test_clusters.hpp"
#include "upgrade/probe.hpp"
#include "upgrade/probe_journal.hpp"

using namespace kforge;
using namespace kforge::upgrade;
namespace fs = std::filesystem;

namespace {

std::string tempDir() { return kforge::testing::freshDir("kforge-journal"); }

const ProbeJournalHeader kHeader{"20251129-193501-7f3a-a1", "etcd", "https://10.0.0.1:2379", 1764444901123, 100};

ProbeJournalSample sample(int64_t seq, bool acked, bool ok, double latencyMs = 3.5) {
  ProbeJournalSample s;
  s.seq = seq;
  s.t = 0.1 * static_cast<double>(seq);
  s.latencyMs = latencyMs;
  s.acknowledged = acked;
  s.ok = ok;
  s.value = acked ? "v" + std::to_string(seq) : "";
  s.error = ok ? "" : (acked ? "read-back of " : "put: deadline exceeded ") + std::to_string(seq);
  return s;
}

void append(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "a");
  ASSERT_NE(f, nullptr);
  std::fputs(bytes.c_str(), f);
  std::fclose(f);
}

mode_t modeOf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

}  // namespace

TEST(ProbeJournal, WritesAndReadsBackEverySample) {
  std::string dir = tempDir();
  const std::string path = probeJournalPath(dir, kHeader.runId, kHeader.channel);
  EXPECT_EQ(path, dir + "/20251129-193501-7f3a-a1.etcd.journal");
  std::vector<ProbeJournalSample> written;
  {
    ProbeJournalWriter w(path, kHeader);
    for (int i = 0; i < 50; ++i) {
      written.push_back(sample(i, i % 7 != 3, i % 5 != 0));
      w.append(written.back());
    }
    // Text that is not valid UTF-8 or is JSON-like (an error message from a host) survives as one line.
    ProbeJournalSample odd = sample(50, false, false);
    odd.error = "\"]\n[1,2\xff";
    w.append(odd);
  }
  ProbeJournal j = readProbeJournal(path);
  EXPECT_FALSE(j.tornTail);
  EXPECT_EQ(j.header.runId, kHeader.runId);
  EXPECT_EQ(j.header.channel, "etcd");
  EXPECT_EQ(j.header.target, kHeader.target);
  EXPECT_EQ(j.header.startedAtMs, kHeader.startedAtMs);
  EXPECT_EQ(j.header.intervalMs, 100);
  ASSERT_EQ(j.samples.size(), 51u);
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(j.samples[i].seq, written[i].seq);
    EXPECT_DOUBLE_EQ(j.samples[i].t, written[i].t);
    EXPECT_DOUBLE_EQ(j.samples[i].latencyMs, written[i].latencyMs);
    EXPECT_EQ(j.samples[i].acknowledged, written[i].acknowledged);
    EXPECT_EQ(j.samples[i].ok, written[i].ok);
    EXPECT_EQ(j.samples[i].value, written[i].value);
    EXPECT_EQ(j.samples[i].error, written[i].error);
  }
  EXPECT_FALSE(j.samples[50].error.empty());
  EXPECT_EQ(acknowledgedWrites(j).size(), 50u - 7u);  // seq 3, 10, 17, ... not acknowledged
  EXPECT_EQ(acknowledgedWrites(j).at(4), "v4");
  // Found by probe id, and removed.
  ProbeJournalWriter other(probeJournalPath(dir, kHeader.runId, "kube-api"), kHeader);
  ProbeJournalWriter notOurs(probeJournalPath(dir, kHeader.runId + "0", "etcd"), kHeader);  // a1 vs a10
  EXPECT_EQ(probeJournalPaths(dir, kHeader.runId),
            (std::vector<std::string>{dir + "/20251129-193501-7f3a-a1.etcd.journal",
                                      dir + "/20251129-193501-7f3a-a1.kube-api.journal"}));
  EXPECT_EQ(removeProbeJournals(dir, kHeader.runId), "");
  EXPECT_TRUE(probeJournalPaths(dir, kHeader.runId).empty());
  EXPECT_EQ(probeJournalPaths(dir, kHeader.runId + "0").size(), 1u);
  EXPECT_TRUE(probeJournalPaths(dir + "/none", kHeader.runId).empty());
  fs::remove_all(dir);
}

TEST(ProbeJournal, ALastLineTornByAKillIsIgnoredABrokenCompleteLineIsNot) {
  std::string dir = tempDir();
  const std::string path = dir + "/p.etcd.journal";
  {
    ProbeJournalWriter w(path, kHeader);
    for (int i = 0; i < 3; ++i) w.append(sample(i, true, true));
  }
  append(path, "[3,0.3,2.5,1,1,\"v3\"");  // the kill came in the middle of the line
  ProbeJournal j = readProbeJournal(path);
  EXPECT_TRUE(j.tornTail);
  EXPECT_EQ(j.samples.size(), 3u);
  // Even a whole sample without its newline: its write(2) did not finish.
  append(path, ",\"\"]");
  j = readProbeJournal(path);
  EXPECT_TRUE(j.tornTail);
  EXPECT_EQ(j.samples.size(), 3u);
  // A complete line that is not a sample is damage, not a kill: refused, naming the line.
  append(path, "\n[4,0.4]\n");
  try {
    readProbeJournal(path);
    ADD_FAILURE() << "a broken line was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 6"), std::string::npos) << e.what();
  }
  // Not a journal; killed before the header was whole.
  writeFileAtomic(dir + "/x.journal", "{\"kind\":\"Pod\"}\n", 0600);
  EXPECT_THROW(readProbeJournal(dir + "/x.journal"), Error);
  writeFileAtomic(dir + "/y.journal", "{\"kind\":\"KforgeProbe", 0600);
  EXPECT_THROW(readProbeJournal(dir + "/y.journal"), Error);
  fs::remove_all(dir);
}

// A real SIGKILL of a process appending as fast as it can: whatever the moment, the journal reads, every
// complete sample in order.
TEST(ProbeJournal, KilledWhileAppendingTheJournalStillReads) {
  std::string dir = tempDir();
  for (int round = 0; round < 5; ++round) {
    const std::string path = dir + "/k" + std::to_string(round) + ".etcd.journal";
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ProbeJournalWriter w(path, kHeader);
      for (int64_t i = 0;; ++i) w.append(sample(i, true, i % 2 == 0));
    }
    while (!fileExists(path) || fs::file_size(path) < 4096u * static_cast<unsigned>(round + 1))
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    ::kill(pid, SIGKILL);
    int st = 0;
    ::waitpid(pid, &st, 0);
    ASSERT_TRUE(WIFSIGNALED(st));
    ProbeJournal j = readProbeJournal(path);
    ASSERT_GT(j.samples.size(), 10u);
    for (size_t i = 0; i < j.samples.size(); ++i) ASSERT_EQ(j.samples[i].seq, static_cast<int64_t>(i));
  }
  fs::remove_all(dir);
}

TEST(ProbeJournal, RefusesALinkOrAFileAtItsPathAndIsMode0600) {
  std::string dir = tempDir();
  const std::string target = dir + "/target";
  writeFileAtomic(target, "precious\n", 0644);
  // A link to an existing file, and a dangling one: neither followed, neither target touched or made.
  fs::create_symlink(target, dir + "/link.etcd.journal");
  EXPECT_THROW(ProbeJournalWriter(dir + "/link.etcd.journal", kHeader), Error);
  EXPECT_EQ(readFile(target), "precious\n");
  fs::create_symlink(dir + "/made", dir + "/dangling.etcd.journal");
  EXPECT_THROW(ProbeJournalWriter(dir + "/dangling.etcd.journal", kHeader), Error);
  EXPECT_FALSE(fileExists(dir + "/made"));
  // A file already there (a journal of another run): not opened, not truncated.
  EXPECT_THROW(ProbeJournalWriter(target, kHeader), Error);
  EXPECT_EQ(readFile(target), "precious\n");
  // Reading does not follow a link either.
  {
    ProbeJournalWriter w(dir + "/real.etcd.journal", kHeader);
    w.append(sample(0, true, true));
  }
  fs::create_symlink(dir + "/real.etcd.journal", dir + "/alias.etcd.journal");
  EXPECT_THROW(readProbeJournal(dir + "/alias.etcd.journal"), Error);
  EXPECT_EQ(readProbeJournal(dir + "/real.etcd.journal").samples.size(), 1u);
  // 0600 whatever the umask.
  EXPECT_EQ(modeOf(dir + "/real.etcd.journal"), 0600u);
  mode_t old = ::umask(0);
  { ProbeJournalWriter w(dir + "/open.etcd.journal", kHeader); }
  ::umask(old);
  EXPECT_EQ(modeOf(dir + "/open.etcd.journal"), 0600u);
  fs::remove_all(dir);
}

// The figures of a killed attempt from its journal: the counts; the longest gap from the start to the first ok
// sample and between ok samples and to the end of the last sample, never beyond it.
TEST(ProbeRecovery, FiguresFromAJournalCountTheGapToTheLastSampleOnly) {
  ProbeJournal j;
  j.header = kHeader;
  // 0.0-0.9 ok; 1.0-2.4 failed (not acknowledged); 2.5-2.9 ok; 3.0 acknowledged but the read-back failed;
  // 3.1-3.3 ok; then 3.4-3.6 failed, and the kill.
  for (int i = 0; i <= 36; ++i) {
    bool acked = i < 10 || (i >= 25 && i <= 33);
    j.samples.push_back(sample(i, acked, acked && i != 30, i == 33 ? 40 : 3.5));
  }
  j.samples.back().latencyMs = 1000;  // the last write timed out after 1 s: known until 4.6 s
  kube::Credentials none;
  none.server = "https://127.0.0.1:1";  // nothing listens: the end check cannot run
  ProbeOptions o;
  o.callTimeout = std::chrono::milliseconds(200);
  o.verifyFor = std::chrono::milliseconds(300);
  ProbeFigures f = recoverProbeFigures({j}, {"127.0.0.1:1"}, {}, none, o);
  EXPECT_TRUE(f.recoveredFromJournal);
  EXPECT_EQ(f.runId, kHeader.runId);
  EXPECT_EQ(f.startedAtMs, kHeader.startedAtMs);
  EXPECT_EQ(f.intervalMs, 100);
  EXPECT_NEAR(f.durationSeconds, 4.6, 1e-9);  // to the end of the last journalled write
  ASSERT_EQ(f.channels.size(), 1u);
  const auto& c = f.channels[0];
  EXPECT_EQ(c.channel, "etcd");
  EXPECT_EQ(c.target, kHeader.target);
  EXPECT_EQ(c.attempted, 37);
  EXPECT_EQ(c.acknowledged, 19);
  EXPECT_EQ(c.failed, 18);
  EXPECT_EQ(c.readBackFailed, 1);
  EXPECT_EQ(c.series.size(), 37u);
  // The longest: from 0.9 (the last ok before the outage) to 2.5; the stretch after 3.3 runs to 4.6 only (1.3 s).
  EXPECT_NEAR(c.longestGapSeconds, 1.6, 1e-9);
  EXPECT_NEAR(c.longestGapStart, 0.9, 1e-9);
  EXPECT_DOUBLE_EQ(c.latencyMaxMs, 40);
  EXPECT_EQ(c.lastError, "put: deadline exceeded 36");
  EXPECT_EQ(c.cpuSeconds, 0);
  EXPECT_FALSE(c.verified);
  EXPECT_FALSE(c.checkError.empty());
  // The gap after the last ok sample counts when it is the longest, up to the last sample's end and no further.
  for (int i = 37; i < 60; ++i) j.samples.push_back(sample(i, false, false));
  f = recoverProbeFigures({j}, {}, {}, std::nullopt, o);
  EXPECT_NEAR(f.channels[0].longestGapSeconds, 5.9 + 0.0035 - 3.3, 1e-9);
  EXPECT_NEAR(f.channels[0].longestGapStart, 3.3, 1e-9);
  EXPECT_NE(f.channels[0].checkError.find("nothing to check"), std::string::npos);
  // A journal of a kube-api channel, and a probe id that is not one.
  j.header.channel = "kube-api";
  j.header.runId = "../x";
  f = recoverProbeFigures({j}, {}, {}, none, o);
  EXPECT_NE(f.channels[0].checkError.find("is not one"), std::string::npos) << f.channels[0].checkError;
}

// The end check stop() and the recovery share: what is missing or changed is lost; a store that does not answer
// leaves the figures unverified after verifyFor; one that answers on a later try is verified.
TEST(ProbeRecovery, TheEndCheckCountsMissingAndChangedWritesAndRetries) {
  const std::map<int64_t, std::string> acked{{0, "a"}, {1, "b"}, {2, "c"}, {5, "f"}};
  ProbeChannelFigures cf;
  checkAcknowledged(cf, acked, [] { return std::map<int64_t, std::string>{{0, "a"}, {1, "b"}, {2, "c"}, {5, "f"}, {9, "x"}}; },
                    std::chrono::milliseconds(0));
  EXPECT_TRUE(cf.verified);
  EXPECT_EQ(cf.lost, 0);
  checkAcknowledged(cf, acked, [] { return std::map<int64_t, std::string>{{0, "a"}, {2, "changed"}, {5, "f"}}; },
                    std::chrono::milliseconds(0));
  EXPECT_TRUE(cf.verified);
  EXPECT_EQ(cf.lost, 2);
  ProbeChannelFigures down;
  int tries = 0;
  checkAcknowledged(down, acked, [&]() -> std::map<int64_t, std::string> {
    ++tries;
    throw Error("connection refused");
  }, std::chrono::milliseconds(700));
  EXPECT_FALSE(down.verified);
  EXPECT_EQ(down.checkError, "connection refused");
  EXPECT_GE(tries, 2);
  ProbeChannelFigures later;
  tries = 0;
  checkAcknowledged(later, acked, [&]() -> std::map<int64_t, std::string> {
    if (++tries < 2) throw Error("leader changed");
    return {{0, "a"}, {1, "b"}, {2, "c"}};
  }, std::chrono::seconds(5));
  EXPECT_TRUE(later.verified);
  EXPECT_EQ(later.lost, 1);
  EXPECT_TRUE(later.checkError.empty());
}

// A probe with a journal directory, destroyed while running as a killed process would leave it: one journal per
// channel with every sample it took, from which the figures are made again; stop() closes its journals and
// leaves their removal to the caller (once the figures are kept).
TEST(ProbeRecovery, AProbeJournalsEverySampleOfEachChannel) {
  std::string dir = tempDir();
  kube::Credentials api;
  api.server = "https://127.0.0.1:1";
  api.insecureSkipTlsVerify = true;
  ProbeOptions o;
  o.interval = std::chrono::milliseconds(50);
  o.callTimeout = std::chrono::milliseconds(200);
  o.verifyFor = std::chrono::milliseconds(200);
  o.journalDir = dir;
  {
    AvailabilityProbe p("unit-journal-a1", {"127.0.0.1:1"}, {}, api, o);
    p.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }  // never stopped
  auto paths = probeJournalPaths(dir, "unit-journal-a1");
  ASSERT_EQ(paths.size(), 2u);
  std::vector<ProbeJournal> journals;
  for (const auto& p : paths) {
    EXPECT_EQ(modeOf(p), 0600u) << p;
    journals.push_back(readProbeJournal(p));
    EXPECT_EQ(journals.back().header.runId, "unit-journal-a1");
    EXPECT_EQ(journals.back().header.intervalMs, 50);
    EXPECT_GE(journals.back().samples.size(), 3u) << p;
    for (const auto& s : journals.back().samples) {
      EXPECT_FALSE(s.acknowledged);
      EXPECT_FALSE(s.error.empty());
    }
  }
  EXPECT_EQ(journals[0].header.channel, "etcd");
  EXPECT_EQ(journals[1].header.channel, "kube-api");
  ProbeFigures f = recoverProbeFigures(journals, {"127.0.0.1:1"}, {}, api, o);
  ASSERT_EQ(f.channels.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(f.channels[i].attempted, static_cast<int64_t>(journals[i].samples.size()));
    EXPECT_EQ(f.channels[i].failed, f.channels[i].attempted);
    EXPECT_FALSE(f.channels[i].lastError.empty());
  }
  // A second probe of the same id does not take over the journals: it goes on without one.
  {
    AvailabilityProbe again("unit-journal-a1", {"127.0.0.1:1"}, {}, api, o);
    again.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    again.stop();
  }
  EXPECT_EQ(readProbeJournal(paths[0]).samples.size(), journals[0].samples.size());
  // stop(): the journals stay (closed) until the caller removes them.
  {
    AvailabilityProbe p("unit-journal-a2", {"127.0.0.1:1"}, {}, api, o);
    p.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ProbeFigures stopped = p.stop();
    auto kept = probeJournalPaths(dir, "unit-journal-a2");
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(static_cast<int64_t>(readProbeJournal(kept[0]).samples.size()), stopped.channels.at(0).attempted);
    EXPECT_FALSE(stopped.recoveredFromJournal);
  }
  fs::remove_all(dir);
}
