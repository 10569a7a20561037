// The availability probe (upgrade/probe.hpp) against a real etcd and a real kube-apiserver of the oldest pinned
// release (tests/upstream), both on private loopback addresses: the figures of a quiet run; etcd stopped for
// about a second mid-probe (failed writes and a gap on both channels, nothing acknowledged lost); writes deleted
// behind the probe's back reported as lost (the end check can fail), by stop() and by the recovery of a killed
// probe's figures from its journal; and nothing of the probe's left afterwards.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "core/fs.hpp"
#include "etcdctl/client.hpp"
#include "kube/client.hpp"
#include "tests/pinned_releases.hpp"
#include "tests/tools/etcd_process.hpp"
#include "tool_util.hpp"
#include "upgrade/probe.hpp"

using namespace kforge;
using namespace kforge::testing;
using namespace kforge::upgrade;

namespace {

using Clock = std::chrono::steady_clock;

// A CA, the API server's serving certificate for `addr`, an admin client certificate (system:masters) and the
// service-account key pair, in dir.
RunResult makeApiPki(const std::string& dir, const std::string& addr) {
  const std::string d = shq(dir);
  return run("(cd " + d +
             " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=probe-test-ca"
             " && openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj /CN=kube-apiserver"
             " && printf 'subjectAltName=IP:" + addr + ",DNS:kubernetes\\nextendedKeyUsage=serverAuth\\n' > san.ext"
             " && openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 1 -extfile san.ext"
             " && openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj /O=system:masters/CN=probe-admin"
             " && printf 'extendedKeyUsage=clientAuth\\n' > client.ext"
             " && openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 1 -extfile client.ext"
             " && openssl genrsa -out sa.key 2048 && openssl rsa -in sa.key -pubout -out sa.pub) >/dev/null 2>&1");
}

// The real kube-apiserver, started for the test and stopped (by its own pid) at the end.
class ApiServerProcess {
 public:
  ApiServerProcess(const std::string& binary, const std::string& addr, const std::string& etcdURL, const std::string& dir)
      : log_(dir + "/apiserver.log") {
    std::vector<std::string> args = {
        binary,
        "--bind-address=" + addr,
        "--advertise-address=" + addr,
        "--secure-port=6443",
        "--etcd-servers=" + etcdURL,
        "--tls-cert-file=" + dir + "/apiserver.crt",
        "--tls-private-key-file=" + dir + "/apiserver.key",
        "--client-ca-file=" + dir + "/ca.crt",
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=" + dir + "/sa.pub",
        "--service-account-signing-key-file=" + dir + "/sa.key",
        "--service-cluster-ip-range=10.96.0.0/12",
        "--cert-dir=" + dir + "/certs",
        // The "kubernetes" Service's endpoints would name a loopback address: nothing in this test reads them.
        "--endpoint-reconciler-type=none",
    };
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::setpgid(0, 0);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~ApiServerProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  bool exited() { return ::waitpid(pid_, nullptr, WNOHANG) == pid_ && (pid_ = -1, true); }
  std::string logTail() { return run("tail -c 3000 " + shq(log_)).out; }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

class ProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto releases = pinned::releases(sourceDir());
    ASSERT_FALSE(releases.empty());
    const std::string apiserver = pinned::upstreamBin("kube-apiserver", releases.front().kubernetes);
    ASSERT_TRUE(fileExists(apiserver)) << apiserver << " missing: bash tests/upstream/build.sh builds it";
    dir_ = makeTempDir("kforge-probe");
    etcdAddr_ = uniqueLoopback(21);
    apiAddr_ = uniqueLoopback(22);
    etcd_ = std::make_unique<EtcdProcess>("probe", etcdAddr_, dir_ + "/etcd");
    ASSERT_TRUE(etcd_->waitReady()) << run("tail -20 " + shq(etcd_->logFile())).out;
    ASSERT_EQ(makeApiPki(dir_, apiAddr_).exitCode, 0);
    api_ = std::make_unique<ApiServerProcess>(apiserver, apiAddr_, etcd_->clientURL(), dir_);
    creds_.server = "https://" + apiAddr_ + ":6443";
    creds_.caPem = readFile(dir_ + "/ca.crt");
    creds_.certPem = readFile(dir_ + "/admin.crt");
    creds_.keyPem = readFile(dir_ + "/admin.key");
    // Ready and kube-system made (the API server's own controller creates it): a hang bound, not a timing assumption.
    kube::KubeClient k(creds_);
    bool ready = false;
    for (auto until = Clock::now() + std::chrono::seconds(180); Clock::now() < until && !api_->exited();) {
      try {
        if (k.readyz().ok && k.getIfExists("/api/v1/namespaces/kube-system")) {
          ready = true;
          break;
        }
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ASSERT_TRUE(ready) << "kube-apiserver never became ready:\n" << api_->logTail();
  }
  void TearDown() override {
    api_.reset();
    etcd2_.reset();
    etcd_.reset();
    if (!HasFailure()) run("rm -rf " + shq(dir_));
  }

  AvailabilityProbe probe(const std::string& id) {
    return AvailabilityProbe(id, {etcd_->endpoint()}, {}, creds_);
  }
  int64_t etcdKeysLeft(const std::string& id) {
    etcd::Client c({etcd_->endpoint()}, {});
    std::string prefix = probeEtcdPrefix(id), end = prefix;
    end.back() = static_cast<char>(end.back() + 1);
    return c.range(prefix, end, 0, true).count;
  }
  size_t configMapsLeft(const std::string& id) {
    kube::KubeClient k(creds_);
    return k.list("/api/v1/namespaces/kube-system/configmaps", probeLabelSelector(id))["items"].size();
  }

  std::string dir_, etcdAddr_, apiAddr_;
  std::unique_ptr<EtcdProcess> etcd_, etcd2_;
  std::unique_ptr<ApiServerProcess> api_;
  kube::Credentials creds_;
};

const ProbeChannelFigures& channel(const ProbeFigures& f, const std::string& name) {
  for (const auto& c : f.channels)
    if (c.channel == name) return c;
  throw std::runtime_error("no channel " + name);
}

std::string describe(const ProbeChannelFigures& c) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s: attempted %lld acknowledged %lld failed %lld readBackFailed %lld lost %lld verified %d gap %.3f s "
                "at %.2f, latency p50 %.1f p99 %.1f max %.1f ms, cpu %.3f s",
                c.channel.c_str(), (long long)c.attempted, (long long)c.acknowledged, (long long)c.failed,
                (long long)c.readBackFailed, (long long)c.lost, c.verified, c.longestGapSeconds, c.longestGapStart,
                c.latencyP50Ms, c.latencyP99Ms, c.latencyMaxMs, c.cpuSeconds);
  return std::string(buf) + (c.lastError.empty() ? "" : "; last error: " + c.lastError) +
         (c.checkError.empty() ? "" : "; check: " + c.checkError) +
         (c.cleanupError.empty() ? "" : "; cleanup: " + c.cleanupError);
}

}  // namespace

TEST_F(ProbeTest, QuietRunThenEtcdStoppedForASecondFailuresAndAGapButNothingLost) {
  // A quiet run: every write acknowledged and read back, gaps about one interval, and the probe's own cost.
  {
    const std::string id = "quiet-" + std::to_string(::getpid());
    auto p = probe(id);
    p.start();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    auto t0 = Clock::now();
    ProbeFigures f = p.stop();
    double stopSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    ASSERT_EQ(f.channels.size(), 2u);
    for (const auto& c : f.channels) {
      std::printf("quiet %s\n", describe(c).c_str());
      EXPECT_GE(c.attempted, 20) << describe(c);
      EXPECT_EQ(c.failed, 0) << describe(c);
      EXPECT_EQ(c.readBackFailed, 0) << describe(c);
      EXPECT_EQ(c.acknowledged, c.attempted);
      EXPECT_TRUE(c.verified) << describe(c);
      EXPECT_EQ(c.lost, 0);
      EXPECT_LT(c.longestGapSeconds, 0.6) << describe(c);
      EXPECT_EQ(c.series.size(), static_cast<size_t>(c.attempted));
      EXPECT_TRUE(c.cleanupError.empty()) << c.cleanupError;
    }
    std::printf("quiet stop() took %.3f s (join, check, clean-up)\n", stopSeconds);
    EXPECT_LT(stopSeconds, 5);
    EXPECT_EQ(etcdKeysLeft(id), 0);
    EXPECT_EQ(configMapsLeft(id), 0u);
  }

  // A probe that never reached stop() (its process killed) leaves its writes: removeProbeLeftovers takes them away.
  {
    const std::string id = "left-" + std::to_string(::getpid());
    {
      auto p = probe(id);
      p.start();
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
    }  // destroyed running: threads stopped, no check, no clean-up
    EXPECT_GT(etcdKeysLeft(id), 0);
    EXPECT_GT(configMapsLeft(id), 0u);
    EXPECT_EQ(removeProbeLeftovers(id, {etcd_->endpoint()}, {}, creds_), "");
    EXPECT_EQ(etcdKeysLeft(id), 0);
    EXPECT_EQ(configMapsLeft(id), 0u);
  }

  // etcd stopped for about a second in the middle of a probe.
  const std::string id = "outage-" + std::to_string(::getpid());
  auto p = probe(id);
  p.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  etcd_->stop();
  auto down = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  etcd2_ = std::make_unique<EtcdProcess>("probe", etcdAddr_, dir_ + "/etcd");  // the same data dir: a restart
  ASSERT_TRUE(etcd2_->waitReady()) << run("tail -20 " + shq(etcd2_->logFile())).out;
  double downSeconds = std::chrono::duration<double>(Clock::now() - down).count();
  // Both channels back to successful writes before the end.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  ProbeFigures f = p.stop();
  std::printf("etcd was down %.2f s\n", downSeconds);
  for (const char* name : {"etcd", "kube-api"}) {
    const auto& c = channel(f, name);
    std::printf("outage %s\n", describe(c).c_str());
    EXPECT_TRUE(c.verified) << describe(c);
    EXPECT_EQ(c.lost, 0) << describe(c);
    EXPECT_GE(c.longestGapSeconds, 0.9) << describe(c);
    EXPECT_GT(c.acknowledged, 20) << describe(c);
    // The last write was a success: the probe came back.
    ASSERT_FALSE(c.series.empty());
    EXPECT_TRUE(c.series.back().ok) << describe(c);
  }
  const auto& e = channel(f, "etcd");
  EXPECT_GT(e.failed, 0) << describe(e);
  EXPECT_FALSE(e.lastError.empty());
  // The gap is where etcd was down: it begins within the first ~2 s of the probe.
  EXPECT_GT(e.longestGapStart, 1.0);
  EXPECT_LT(e.longestGapStart, 2.5);
  EXPECT_EQ(etcdKeysLeft(id), 0);
  EXPECT_EQ(configMapsLeft(id), 0u);
}

// A probe killed before stop() (destroyed running, as a SIGKILL leaves it): the next run makes its figures from
// its journal and checks its acknowledged writes against the real stores — the ones deleted behind its back are
// lost, the others found — then removes what it left.
TEST_F(ProbeTest, AKilledProbesFiguresAreRecoveredFromItsJournalAndChecked) {
  const std::string id = "killed-" + std::to_string(::getpid());
  ProbeOptions o;
  o.journalDir = dir_ + "/runs";
  makeDirs(o.journalDir, 0700);
  {
    AvailabilityProbe p(id, {etcd_->endpoint()}, {}, creds_, o);
    p.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }  // never stopped: no end check, no clean-up, the journals stay
  etcd::Client c({etcd_->endpoint()}, {});
  const std::string prefix = probeEtcdPrefix(id);
  EXPECT_EQ(c.deleteRange(prefix + "0000000002", prefix + "0000000004"), 2);  // seq 2, 3
  kube::KubeClient k(creds_);
  EXPECT_TRUE(k.removeIfExists("/api/v1/namespaces/kube-system/configmaps/kforge-probe-" + id + "-0000000005"));
  std::vector<ProbeJournal> journals;
  for (const auto& path : probeJournalPaths(o.journalDir, id)) journals.push_back(readProbeJournal(path));
  ASSERT_EQ(journals.size(), 2u);
  ProbeFigures f = recoverProbeFigures(journals, {etcd_->endpoint()}, {}, creds_);
  EXPECT_TRUE(f.recoveredFromJournal);
  const auto& e = channel(f, "etcd");
  const auto& a = channel(f, "kube-api");
  for (const auto* ch : {&e, &a}) {
    std::printf("recovered %s\n", describe(*ch).c_str());
    EXPECT_TRUE(ch->verified) << describe(*ch);
    EXPECT_GE(ch->acknowledged, 10) << describe(*ch);
    EXPECT_LT(ch->longestGapSeconds, 0.6) << describe(*ch);
  }
  EXPECT_EQ(e.lost, 2) << describe(e);
  EXPECT_EQ(a.lost, 1) << describe(a);
  EXPECT_EQ(removeProbeLeftovers(id, {etcd_->endpoint()}, {}, creds_), "");
  EXPECT_EQ(etcdKeysLeft(id), 0);
  EXPECT_EQ(configMapsLeft(id), 0u);
  EXPECT_EQ(removeProbeJournals(o.journalDir, id), "");
  EXPECT_TRUE(probeJournalPaths(o.journalDir, id).empty());
}

// The end check can fail: writes deleted behind the probe's back after they were acknowledged are reported lost.
TEST_F(ProbeTest, AcknowledgedWritesDeletedBehindItsBackAreReportedLost) {
  const std::string id = "lost-" + std::to_string(::getpid());
  auto p = probe(id);
  p.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  etcd::Client c({etcd_->endpoint()}, {});
  const std::string prefix = probeEtcdPrefix(id);
  EXPECT_EQ(c.deleteRange(prefix + "0000000003", prefix + "0000000006"), 3);  // seq 3, 4, 5
  kube::KubeClient k(creds_);
  EXPECT_TRUE(k.removeIfExists("/api/v1/namespaces/kube-system/configmaps/kforge-probe-" + id + "-0000000002"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ProbeFigures f = p.stop();
  const auto& e = channel(f, "etcd");
  const auto& a = channel(f, "kube-api");
  EXPECT_TRUE(e.verified && a.verified) << describe(e) << "\n" << describe(a);
  EXPECT_EQ(e.lost, 3) << describe(e);
  EXPECT_EQ(a.lost, 1) << describe(a);
  EXPECT_EQ(e.failed, 0);
  EXPECT_EQ(etcdKeysLeft(id), 0);
  EXPECT_EQ(configMapsLeft(id), 0u);
}
