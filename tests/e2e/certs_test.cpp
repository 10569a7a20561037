// Live certificate rotation end to end on the testbed (127.0.46.x): 3 stacked control planes + 1 worker built
// by `kforge apply` (the real etcd, kube-apiserver, kube-controller-manager, kube-scheduler of the oldest pinned
// release, the kubelet stand-in, the endpoint through a real HAProxy). `kforge certs renew all` renews the state
// dir; `kforge apply` pushes the files and restarts exactly the components that use them, one at a time; what
// runs is checked with openssl s_client (the serials served), the real etcdctl and kubectl (load through the
// endpoint during the rotation). Then `certs check-expiration -f INV` reads the hosts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli_testbed.hpp"

namespace {

using kforge::e2e::Cmd;
using kforge::e2e::sh;

kforge::e2e::CliTestbed tb{KFORGE_E2E_DIR, KFORGE_E2E_NET};
constexpr int kHosts = 4;  // tb1-tb3 control planes (stacked etcd), tb4 worker

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The serial a port serves (openssl s_client), "" when nothing answers.
std::string served(const std::string& hostPort, const std::string& clientCertHost = "") {
  std::string client;
  if (!clientCertHost.empty())
    client = " -cert " + tb.state() + "/hosts/" + clientCertHost + "/pki/etcd/healthcheck-client.crt -key " + tb.state() +
             "/hosts/" + clientCertHost + "/pki/etcd/healthcheck-client.key";
  auto r = sh("echo | timeout 10 openssl s_client -connect " + hostPort + client +
              " 2>/dev/null | openssl x509 -noout -serial 2>/dev/null");
  return trim(r.out);
}

std::string fileSerial(const std::string& path) { return trim(sh("openssl x509 -noout -serial -in " + path).out); }

// host -> component -> "started pod" lines in the kubelet stand-in's log (one per start of the pod's process).
int starts(int host, const std::string& pod) {
  auto r = tb.exec(host, "grep -c \"started pod " + pod + " \" /etc/systemd/system/.standin-state/kubelet.service.log");
  return std::atoi(r.out.c_str());
}

std::map<std::string, std::string> servedSerials() {
  std::map<std::string, std::string> m;
  for (int i = 1; i <= 3; ++i) {
    std::string n = "tb" + std::to_string(i), a = tb.addr(i);
    m[n + "/apiserver"] = served(a + ":6443");
    m[n + "/etcd-server"] = served(a + ":2379", "tb1");
    m[n + "/etcd-peer"] = served(a + ":2380", "tb1");
    m[n + "/controller-manager"] = served(a + ":10257");
    m[n + "/scheduler"] = served(a + ":10259");
  }
  return m;
}

class CertsE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto up = tb.tb("up " + std::to_string(kHosts));
    ASSERT_EQ(up.exitCode, 0) << up.out;
    auto apply = tb.kforge("apply -f " + tb.inventory());
    ASSERT_EQ(apply.exitCode, 0) << apply.out;
  }
  static void TearDownTestSuite() { tb.tb("down"); }
};

TEST_F(CertsE2E, RenewThenApplyRestartsEachComponentOnceOneAtATimeWithoutFailedRequests) {
  // A cluster just built plans nothing: every component started after its files were written.
  auto plan0 = tb.kforge("plan -f " + tb.inventory());
  ASSERT_EQ(plan0.exitCode, 0) << plan0.out;
  ASSERT_NE(plan0.out.find("Plan: nothing to do"), std::string::npos) << plan0.out;

  auto before = servedSerials();
  for (const auto& [k, v] : before) ASSERT_FALSE(v.empty()) << k << " serves nothing";
  std::map<std::string, int> startsBefore;
  for (int i = 1; i <= 3; ++i)
    for (const char* pod : {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"})
      startsBefore["tb" + std::to_string(i) + "/" + pod] = starts(i, pod);

  auto renew = tb.kforge("certs renew all --state-dir " + tb.state());
  ASSERT_EQ(renew.exitCode, 0) << renew.out;
  auto plan = tb.kforge("plan -f " + tb.inventory());
  ASSERT_EQ(plan.exitCode, 0) << plan.out;
  EXPECT_NE(plan.out.find("[restart]"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("(the leader: last, leadership moved first)"), std::string::npos) << plan.out;

  // Load during the rotation: kubectl through the endpoint (HAProxy) and etcd writes through all members.
  std::string stop = tb.dir + "/stop-load";
  sh("rm -f " + stop);
  std::string kubectlLoop = "while [ ! -f " + stop + " ]; do if " + kforge::e2e::kubectlBin() + " --kubeconfig " + tb.state() +
                            "/admin.conf --request-timeout=5s get nodes >/dev/null 2>>" + tb.dir +
                            "/kubectl-errors.log; then echo ok; else echo fail; date +%T.%N >>" + tb.dir + "/kubectl-errors.log; fi; sleep 0.1; done >" + tb.dir +
                            "/kubectl.log";
  std::string etcdLoop = "i=0; while [ ! -f " + stop + " ]; do i=$((i+1)); if " + kforge::e2e::etcdctlBin() +
                         " --endpoints=" + tb.endpoints(1, 3) + " --cacert " + tb.state() + "/pki/etcd/ca.crt --cert " +
                         tb.state() + "/hosts/tb1/pki/etcd/healthcheck-client.crt --key " + tb.state() +
                         "/hosts/tb1/pki/etcd/healthcheck-client.key --command-timeout=5s put /e2e/certs $i >/dev/null 2>>" +
                         tb.dir + "/etcd-errors.log; then echo ok; else echo fail; date +%T.%N >>" + tb.dir + "/etcd-errors.log; fi; sleep 0.1; done >" + tb.dir +
                         "/etcd.log";
  // (Their stdout and stderr away from popen's pipe, or sh() would wait for the loops to end.)
  sh("rm -f " + tb.dir + "/kubectl-errors.log " + tb.dir + "/etcd-errors.log; (sh -c '" + kubectlLoop +
     "' >/dev/null 2>&1 &) ; (sh -c '" + etcdLoop + "' >/dev/null 2>&1 &)");
  // Both loops have answered once before the rotation begins.
  kforge::e2e::pollUntil([&] { return sh("grep -c ok " + tb.dir + "/kubectl.log " + tb.dir + "/etcd.log | grep -c ':[1-9]'").out; },
                         "2\n", 60);
  auto t0 = std::chrono::steady_clock::now();
  auto apply = tb.kforge("apply -f " + tb.inventory() + " -o json");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sh("touch " + stop);
  kforge::e2e::pollUntil([&] { return sh("pgrep -f -c '[s]top-load'").out; }, "0\n", 30);  // both loops ended
  ASSERT_EQ(apply.exitCode, 0) << apply.out;
  auto count = [](const std::string& file, const std::string& what) {
    return std::atoi(sh("grep -c '^" + what + "$' " + file).out.c_str());
  };
  int kubectlOk = count(tb.dir + "/kubectl.log", "ok"), kubectlFail = count(tb.dir + "/kubectl.log", "fail");
  int etcdOk = count(tb.dir + "/etcd.log", "ok"), etcdFail = count(tb.dir + "/etcd.log", "fail");
  std::cout << "rotation: apply took " << seconds << " s; kubectl through the endpoint " << kubectlOk << " ok, "
            << kubectlFail << " failed; etcd writes " << etcdOk << " ok, " << etcdFail << " failed\n";
  EXPECT_EQ(kubectlFail, 0) << sh("cat " + tb.dir + "/kubectl-errors.log").out;
  EXPECT_GT(kubectlOk, 10);
  EXPECT_EQ(etcdFail, 0) << sh("cat " + tb.dir + "/etcd-errors.log").out;  // quorum throughout
  EXPECT_GT(etcdOk, 10);

  // One restart step at a time (each ends before the next begins), in order: etcd x3, apiserver x3, ...
  std::istringstream lines(apply.out);
  std::string line, open;
  std::vector<std::string> done;
  while (std::getline(lines, line)) {
    if (line.find("\"step\":\"restart\"") == std::string::npos) continue;
    auto hostAt = line.find("\"host\":\"");
    std::string host = line.substr(hostAt + 8, line.find('"', hostAt + 8) - hostAt - 8);
    if (line.find("\"status\":\"started\"") != std::string::npos) {
      EXPECT_EQ(open, "") << "restart on " << host << " began while " << open << " was still restarting";
      open = host;
    } else if (line.find("\"status\":\"ok\"") != std::string::npos) {
      EXPECT_EQ(open, host);
      open = "";
      done.push_back(host);
    }
  }
  EXPECT_EQ(done.size(), 12u) << apply.out;  // 3 hosts x etcd, apiserver, controller-manager, scheduler
  auto planPos = [&](const std::string& s) { return apply.out.find(s); };
  EXPECT_LT(planPos("restart etcd"), planPos("restart kube-apiserver"));
  EXPECT_LT(planPos("restart kube-apiserver"), planPos("restart kube-controller-manager"));
  EXPECT_LT(planPos("restart kube-controller-manager"), planPos("restart kube-scheduler"));
  EXPECT_EQ(apply.out.find("restart kubelet"), std::string::npos) << "kubelet.conf was not renewed";

  // What runs: every apiserver and etcd member serves its NEW certificate (the state dir's, pushed to the host);
  // controller-manager and scheduler are new processes (their self-signed serving certificates are new).
  auto after = servedSerials();
  for (int i = 1; i <= 3; ++i) {
    std::string n = "tb" + std::to_string(i), pki = tb.state() + "/hosts/" + n + "/pki";
    EXPECT_EQ(after[n + "/apiserver"], fileSerial(pki + "/apiserver.crt")) << n;
    EXPECT_EQ(after[n + "/etcd-server"], fileSerial(pki + "/etcd/server.crt")) << n;
    EXPECT_EQ(after[n + "/etcd-peer"], fileSerial(pki + "/etcd/peer.crt")) << n;
    for (const char* c : {"apiserver", "etcd-server", "etcd-peer", "controller-manager", "scheduler"})
      EXPECT_NE(after[n + "/" + c], before[n + "/" + c]) << n << " " << c << " still serves the old certificate";
    // Restarted exactly once.
    for (const char* pod : {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"})
      EXPECT_EQ(starts(i, pod), startsBefore[n + "/" + pod] + 1) << n << " " << pod;
  }

  // A second apply plans nothing.
  auto again = tb.kforge("apply -f " + tb.inventory());
  EXPECT_EQ(again.exitCode, 0) << again.out;
  EXPECT_NE(again.out.find("Plan: nothing to do"), std::string::npos) << again.out;
}

// check-expiration -f INV reads what the hosts hold: a certificate renewed by hand with openssl on tb2 is found
// and said to differ from the state dir; one issued with a short validity on tb3 makes --warn-days exit 10; the
// textfile has the days left per certificate per host. Then apply puts the state dir's copies back and restarts
// exactly the API servers that use them.
TEST_F(CertsE2E, CheckExpirationReadsTheHostsAndFindsHandRenewals) {
  auto clean = tb.kforge("certs check-expiration -f " + tb.inventory());
  ASSERT_EQ(clean.exitCode, 0) << clean.out;
  for (const char* h : {"[tb1]", "[tb2]", "[tb3]", "[tb4]"}) EXPECT_NE(clean.out.find(h), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("CERTIFICATE AUTHORITY   EXPIRES"), std::string::npos) << clean.out;
  EXPECT_EQ(clean.out.find("differs from the state dir"), std::string::npos) << clean.out;

  // By hand, on the hosts, with each host's own CA key and the certificate's own key and extensions.
  auto byHand = [](int host, const std::string& cert, const std::string& ca, int days) {
    return tb.exec(host, "cd /etc/kubernetes/pki && openssl x509 -x509toreq -in " + cert + ".crt -signkey " + cert +
                             ".key -copy_extensions copyall -out /tmp/renew.csr && openssl x509 -req -in /tmp/renew.csr -CA " +
                             ca + ".crt -CAkey " + ca + ".key -set_serial 0x" + std::to_string(4242 + host) +
                             " -days " + std::to_string(days) + " -copy_extensions copyall -out " + cert + ".crt.new && mv " +
                             cert + ".crt.new " + cert + ".crt");
  };
  auto r2 = byHand(2, "apiserver", "ca", 300);
  ASSERT_EQ(r2.exitCode, 0) << r2.out;
  auto r3 = byHand(3, "front-proxy-client", "front-proxy-ca", 5);
  ASSERT_EQ(r3.exitCode, 0) << r3.out;

  std::string prom = tb.dir + "/certs.prom";
  auto check = tb.kforge("certs check-expiration -f " + tb.inventory() + " --textfile " + prom);
  EXPECT_EQ(check.exitCode, 10) << check.out;
  EXPECT_NE(check.out.find("! tb2: apiserver differs from the state dir (serial 4244 on the host"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("! tb3: front-proxy-client differs from the state dir"), std::string::npos) << check.out;
  // Issued for 5 days a moment ago: 4d or 5d left, depending on the second the host's clock was read in.
  auto soon = check.out.find("expire within 30 days: tb3/front-proxy-client (");
  ASSERT_NE(soon, std::string::npos) << check.out;
  std::string left = check.out.substr(soon + std::string("expire within 30 days: tb3/front-proxy-client (").size(), 3);
  EXPECT_TRUE(left == "4d)" || left == "5d)") << check.out;
  auto relaxed = tb.kforge("certs check-expiration -f " + tb.inventory() + " --warn-days 3 -o json");
  EXPECT_EQ(relaxed.exitCode, 0) << relaxed.out;
  EXPECT_NE(relaxed.out.find("\"stateDirSerial\""), std::string::npos) << relaxed.out;
  auto metrics = sh("cat " + prom).out;
  std::string sample = "kforge_certificate_expiry_days{cluster=\"testbed\",host=\"tb3\",certificate=\"front-proxy-client\","
                       "kind=\"certificate\"} ";
  auto at = metrics.find(sample);
  ASSERT_NE(at, std::string::npos) << metrics;
  double days = std::atof(metrics.c_str() + at + sample.size());
  EXPECT_GT(days, 4.9) << metrics;
  EXPECT_LE(days, 5.0) << metrics;
  EXPECT_NE(metrics.find("kforge_certificate_differs_from_state_dir{cluster=\"testbed\",host=\"tb2\",certificate=\"apiserver\","
                         "kind=\"certificate\"} 1"),
            std::string::npos) << metrics;

  // apply writes the state dir's copies back and restarts the two API servers that read them (and nothing else).
  auto plan = tb.kforge("plan -f " + tb.inventory() + " -o json");
  ASSERT_EQ(plan.exitCode, 0) << plan.out;
  int restarts = 0;
  for (size_t p = plan.out.find("\"restart "); p != std::string::npos; p = plan.out.find("\"restart ", p + 1)) ++restarts;
  EXPECT_EQ(restarts, 2) << plan.out;
  EXPECT_NE(plan.out.find("restart kube-apiserver (apiserver.crt changed since it started)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("restart kube-apiserver (front-proxy-client.crt changed since it started)"), std::string::npos)
      << plan.out;
  auto apply = tb.kforge("apply -f " + tb.inventory());
  ASSERT_EQ(apply.exitCode, 0) << apply.out;
  EXPECT_EQ(served(tb.addr(2) + ":6443"), fileSerial(tb.state() + "/hosts/tb2/pki/apiserver.crt"));
  auto after = tb.kforge("certs check-expiration -f " + tb.inventory());
  EXPECT_EQ(after.exitCode, 0) << after.out;
  EXPECT_EQ(after.out.find("differs from the state dir"), std::string::npos) << after.out;
  auto again = tb.kforge("plan -f " + tb.inventory());
  EXPECT_NE(again.out.find("Plan: nothing to do"), std::string::npos) << again.out;
}

// The unattended form: one command renews, backs up first, pushes and restarts; then nothing is left to do.
TEST_F(CertsE2E, RenewAllApplyInOneUnattendedRun) {
  auto before = servedSerials();
  auto run = tb.kforge("certs renew all -f " + tb.inventory() + " --apply");
  ASSERT_EQ(run.exitCode, 0) << run.out;
  EXPECT_NE(run.out.find("sha256 verified"), std::string::npos) << run.out;
  auto after = servedSerials();
  for (int i = 1; i <= 3; ++i) {
    std::string n = "tb" + std::to_string(i), pki = tb.state() + "/hosts/" + n + "/pki";
    EXPECT_EQ(after[n + "/apiserver"], fileSerial(pki + "/apiserver.crt")) << n;
    EXPECT_EQ(after[n + "/etcd-peer"], fileSerial(pki + "/etcd/peer.crt")) << n;
    EXPECT_NE(after[n + "/scheduler"], before[n + "/scheduler"]) << n;
  }
  auto backups = tb.kforge("backup list -f " + tb.inventory() + " -o json");
  EXPECT_NE(backups.out.find("pre-certs-renew"), std::string::npos) << backups.out;
  auto again = tb.kforge("plan -f " + tb.inventory());
  EXPECT_NE(again.out.find("Plan: nothing to do"), std::string::npos) << again.out;
}

}  // namespace
