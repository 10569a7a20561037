// `kforge upgrade` (in-place) end to end on the testbed: 3 stacked control planes + 2 workers built by
// `kforge apply` at the OLDEST pinned release, upgraded to the NEWEST one — the real etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler of both releases, the endpoint through a real HAProxy, the
// kubelet stand-in (and its "package", standins/kubelet-package) — checked with the real etcdctl and kubectl.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "cli_testbed.hpp"

namespace {

using kforge::e2e::Cmd;
using kforge::e2e::sh;

const std::string kDir = KFORGE_E2E_DIR;
const std::string kNet = KFORGE_E2E_NET;
const std::string kTestbed = std::string(KFORGE_TESTBED) + " --dir " + kDir + " --net " + kNet;
const std::string kForge = KFORGE_BINARY;
const std::string kInv = kDir + "/inventory.yaml";
const std::string kState = kDir + "/.kforge/testbed";
const std::string kFrom = kforge::e2e::pinnedReleases().front().kubernetes;
const std::string kTo = kforge::e2e::pinnedReleases().back().kubernetes;
const std::string kEtcdTo = kforge::e2e::pinnedReleases().back().etcd;
constexpr int kHosts = 5;  // tb1-tb3 control planes (stacked etcd), tb4-tb5 workers

std::string addr(int i) { return kNet + "." + std::to_string(10 + i); }
Cmd kforge(const std::string& args) { return sh(kForge + " " + args); }

Cmd etcdctl(const std::string& args) {
  return sh(kforge::e2e::upstreamBin("etcdctl", kEtcdTo) + " --endpoints=https://" + addr(1) + ":2379,https://" + addr(2) +
            ":2379,https://" + addr(3) + ":2379 --cacert " + kState + "/pki/etcd/ca.crt --cert " + kState +
            "/hosts/tb1/pki/etcd/healthcheck-client.crt --key " + kState + "/hosts/tb1/pki/etcd/healthcheck-client.key " + args);
}

Cmd kubectl(const std::string& args) {
  return sh(kforge::e2e::upstreamBin("kubectl", kTo) + " --kubeconfig " + kState + "/admin.conf " + args);
}

std::string waitFor(const std::string& args, const std::string& want, int seconds = 180) {
  return kforge::e2e::pollUntil([&] { return kubectl(args).out; }, want, seconds);
}

std::string hostFiles() {
  std::string all;
  for (int i = 1; i <= kHosts; ++i)
    all += sh(kTestbed + " exec tb" + std::to_string(i) +
              " sh -c 'find /etc/kubernetes/manifests /var/lib/kubelet/config.yaml -type f -exec sha256sum {} + | sort; "
              "cat /etc/kforge-testbed/kubelet-version'")
               .out;
  return all;
}

std::string cordoned() {
  return kubectl("get nodes -o 'jsonpath={range .items[*]}{.metadata.name}={.spec.unschedulable},{end}'").out;
}

class UpgradeE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(kFrom, kTo) << "needs two pinned releases";
    auto up = sh(kTestbed + " up " + std::to_string(kHosts));
    ASSERT_EQ(up.exitCode, 0) << up.out;
  }
  void TearDown() override { sh(kTestbed + " down"); }
};

TEST_F(UpgradeE2E, InPlaceFromOldestToNewestPinnedRelease) {
  // Drains must finish quickly in the test; everything else as the testbed writes it. The API servers get the
  // endpoint reconciler kube-apiserver defaults to, explicitly: v1.36 accepts it on the testbed's loopback
  // addresses, v1.37 refuses to start with it there (docs/testbed.md) — an extraArgs value the new release
  // rejects, for the rollback below.
  ASSERT_EQ(sh("sed -i 's|upgrade: {kubelet:|upgrade: {drainTimeout: 20s, kubelet:|' " + kInv).exitCode, 0);
  ASSERT_EQ(sh("sed -i 's|^  nodePools:|  apiServer: {extraArgs: {endpoint-reconciler-type: lease}}\\n  nodePools:|' " + kInv +
               " && grep -q 'endpoint-reconciler-type: lease' " + kInv).exitCode, 0);
  auto apply = kforge("apply -f " + kInv);
  ASSERT_EQ(apply.exitCode, 0) << apply.out;

  // Data written before: a key through etcd, an object through the API, a Deployment with a budget.
  ASSERT_EQ(etcdctl("put /e2e/before kept").exitCode, 0);
  ASSERT_EQ(kubectl("create configmap before --from-literal=k=v").exitCode, 0);
  ASSERT_EQ(kubectl("create deployment web --image=registry.k8s.io/pause:3.10.2 --replicas=2").exitCode, 0);
  ASSERT_EQ(kubectl("patch deployment web -p '{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"tier\":\"general\"}}}}}'").exitCode, 0);
  ASSERT_EQ(kubectl("rollout status deployment/web --timeout=180s").exitCode, 0);
  ASSERT_EQ(kubectl("create pdb web --selector=app=web --max-unavailable=1").exitCode, 0);

  // plan: changes nothing, lists the etcd members (leader last), each control plane, addons, every kubelet.
  std::string files = hostFiles();
  auto plan = kforge("upgrade plan -f " + kInv + " --to " + kTo);
  ASSERT_EQ(plan.exitCode, 0) << plan.out;
  EXPECT_NE(plan.out.find("Control plane runs " + kFrom), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("Gate: every check passed."), std::string::npos) << plan.out;
  for (const char* step : {"[prepull]", "[etcd]", "[control-plane]", "[addons]", "[kubelet]", "(the leader: last"})
    EXPECT_NE(plan.out.find(step), std::string::npos) << step << "\n" << plan.out;
  EXPECT_LT(plan.out.find("[etcd]"), plan.out.find("[control-plane]"));
  EXPECT_LT(plan.out.find("[control-plane]"), plan.out.find("[kubelet]"));
  EXPECT_EQ(hostFiles(), files) << "upgrade plan changed a host";

  // Refused with nothing changed: a downgrade; a failing gate check (a budget allowing 0 disruptions).
  auto down = kforge("upgrade apply --yes -f " + kInv + " --to v1.35.4");
  EXPECT_EQ(down.exitCode, 3) << down.out;
  EXPECT_NE(down.out.find("refusing to downgrade"), std::string::npos) << down.out;
  ASSERT_EQ(kubectl("create pdb frozen --selector=app=web --max-unavailable=0").exitCode, 0);
  EXPECT_EQ(waitFor("get pdb frozen -o 'jsonpath={.status.expectedPods}/{.status.disruptionsAllowed}'", "2/0"), "2/0");
  auto gated = kforge("upgrade apply --yes -f " + kInv + " --to " + kTo);
  EXPECT_EQ(gated.exitCode, 4) << gated.out;
  EXPECT_NE(gated.out.find("PodDisruptionBudget default/frozen allows 0 disruptions"), std::string::npos) << gated.out;
  EXPECT_EQ(hostFiles(), files) << "a refused upgrade changed a host";

  ASSERT_EQ(kubectl("delete pdb frozen").exitCode, 0);
  // Unattended without --yes: refused, nothing changed.
  auto unattended = kforge("upgrade apply -f " + kInv + " --to " + kTo + " </dev/null");
  EXPECT_EQ(unattended.exitCode, 2) << unattended.out;
  EXPECT_EQ(hostFiles(), files) << "an unconfirmed upgrade changed a host";

  // The new API server does not start on tb1 (its first control plane): tb1 rolls back to its previous
  // manifests, the cluster stays healthy at the old release there, exit 8 names the host and the component.
  auto rolled = kforge("upgrade apply --yes -f " + kInv + " --to " + kTo + " --component-timeout 90");
  EXPECT_EQ(rolled.exitCode, 8) << rolled.out;
  EXPECT_NE(rolled.out.find("tb1: kube-apiserver at " + kTo + " did not become healthy"), std::string::npos) << rolled.out;
  EXPECT_NE(rolled.out.find("rolled back"), std::string::npos) << rolled.out;
  auto tb1 = sh(kTestbed + " exec tb1 sh -c 'grep -h \"image:\" /etc/kubernetes/manifests/kube-*'");
  EXPECT_EQ(tb1.out.find(kTo), std::string::npos) << tb1.out;
  EXPECT_EQ(waitFor("-n kube-system get pod kube-apiserver-tb1 -o 'jsonpath={.status.conditions[?(@.type==\"Ready\")].status}'", "True"),
            "True");
  EXPECT_EQ(kubectl("get --raw /readyz").out, "ok");
  ASSERT_EQ(sh("sed -i '/endpoint-reconciler-type: lease/d' " + kInv).exitCode, 0);
  // (One budget per pod: the Eviction API refuses pods that two budgets select.)
  ASSERT_EQ(kubectl("delete pdb web").exitCode, 0);
  ASSERT_EQ(kubectl("create pdb frozen --selector=app=web --max-unavailable=0").exitCode, 0);

  // SIGKILL in the middle of the control-plane phase (after tb1, while tb2 moves), then the same command.
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c",
          ("exec " + kForge + " upgrade apply --yes -f " + kInv + " --to " + kTo + " --ignore-gate pdb -o json >" + kDir +
           "/killed.jsonl 2>&1").c_str(),
          nullptr);
    _exit(127);
  }
  bool seen = false;
  for (int i = 0; i < 6000 && !seen; ++i) {  // until tb2's control-plane step has started
    std::ifstream in(kDir + "/killed.jsonl");
    std::string l;
    while (std::getline(in, l))
      if (l.find("\"host\":\"tb2\"") != std::string::npos && l.find("\"step\":\"control-plane\"") != std::string::npos &&
          l.find("\"status\":\"started\"") != std::string::npos)
        seen = true;
    if (!seen) usleep(100 * 1000);
  }
  ASSERT_TRUE(seen) << sh("cat " + kDir + "/killed.jsonl").out;
  ASSERT_EQ(waitpid(pid, nullptr, WNOHANG), 0) << "kforge upgrade ended before it could be killed mid-run";
  kill(pid, SIGKILL);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << "kforge was not killed mid-run";

  // Run again, told to go on past the gate's budget check, it finishes the control plane, then stops at the
  // first drain after drainTimeout, naming the budget, with no node left cordoned by kforge.
  auto blocked = kforge("upgrade apply --yes -f " + kInv + " --to " + kTo + " --ignore-gate pdb");
  EXPECT_EQ(blocked.exitCode, 9) << blocked.out;
  EXPECT_NE(blocked.out.find("error: drain of tb4 timed out after 20 s; evictions refused (PodDisruptionBudget): pod default/web-"),
            std::string::npos) << blocked.out;
  EXPECT_NE(blocked.out.find("[PodDisruptionBudget default/frozen (0 disruptions allowed)]"), std::string::npos) << blocked.out;
  EXPECT_EQ(cordoned(), "tb1=,tb2=,tb3=,tb4=,tb5=,");
  ASSERT_EQ(kubectl("delete pdb frozen").exitCode, 0);
  ASSERT_EQ(kubectl("create pdb web --selector=app=web --max-unavailable=1").exitCode, 0);

  // The same command again finishes what is left.
  auto resumed = kforge("upgrade apply --yes -f " + kInv + " --to " + kTo);
  ASSERT_EQ(resumed.exitCode, 0) << resumed.out;
  EXPECT_EQ(resumed.out.find("upgrade etcd member"), std::string::npos) << "etcd was done already:\n" << resumed.out;

  // The run reports: the last run succeeded; over every run the availability probe wrote through etcd and the
  // API endpoint and lost no acknowledged write; outside the run that rolled back (whose API server crash-looped
  // behind the load balancer), no channel went 2 s without a successful write.
  auto probe = sh("python3 -c \"import json,glob,os\n"
                  "runs=[json.load(open(f)) for f in sorted(glob.glob('" + kState + "/runs/*.json'), key=os.path.getmtime)]\n"
                  "ch=[(r,c) for r in runs for a in r['attempts'] if a['probe'] for c in a['probe']['channels']]\n"
                  "print(runs[-1]['outcome'], 'lost=%d' % sum(c['lost'] for r,c in ch),"
                  " 'acked>500=%s' % all(sum(c['acknowledged'] for r,c in ch if c['channel']==n) > 500 for n in ('etcd','kube-api')),"
                  " 'gaps<2=%s' % all(c['longestGapSeconds'] < 2 for r,c in ch if 'rolled back' not in r['attempts'][-1]['error']))\"");
  EXPECT_EQ(probe.out, "succeeded lost=0 acked>500=True gaps<2=True\n") << probe.out;
  auto html = kforge("report latest --state-dir " + kState + " --html " + kDir + "/report.html");
  EXPECT_EQ(html.exitCode, 0) << html.out;

  // Everything at the target: every manifest's image, every Node's kubelet, the API server's version.
  for (int i = 1; i <= 3; ++i) {
    auto images = sh(kTestbed + " exec tb" + std::to_string(i) + " sh -c 'grep -h \"image:\" /etc/kubernetes/manifests/*'");
    for (const char* c : {"kube-apiserver:", "kube-controller-manager:", "kube-scheduler:"})
      EXPECT_NE(images.out.find(std::string(c) + kTo), std::string::npos) << images.out;
    EXPECT_NE(images.out.find("etcd:" + kEtcdTo.substr(1)), std::string::npos) << images.out;
  }
  EXPECT_EQ(waitFor("get nodes -o 'jsonpath={range .items[*]}{.status.nodeInfo.kubeletVersion},{end}'",
                    kTo + "," + kTo + "," + kTo + "," + kTo + "," + kTo + ","),
            kTo + "," + kTo + "," + kTo + "," + kTo + "," + kTo + ",");
  auto version = kubectl("version -o json");
  EXPECT_NE(version.out.find("\"gitVersion\": \"" + kTo + "\""), std::string::npos) << version.out;
  // etcd: three started voting members, each at the target's etcd.
  auto members = etcdctl("member list");
  for (const char* n : {"tb1", "tb2", "tb3"})
    EXPECT_NE(members.out.find(std::string(", started, ") + n + ","), std::string::npos) << members.out;
  auto status = etcdctl("endpoint status");
  ASSERT_EQ(status.exitCode, 0) << status.out;
  std::istringstream lines(status.out);
  std::string line;
  int atTarget = 0;
  while (std::getline(lines, line)) atTarget += line.find(", " + kEtcdTo.substr(1) + ",") != std::string::npos;
  EXPECT_EQ(atTarget, 3) << status.out;
  // Nothing written before is lost.
  EXPECT_EQ(etcdctl("get /e2e/before --print-value-only").out, "kept\n");
  EXPECT_EQ(kubectl("get configmap before -o 'jsonpath={.data.k}'").out, "v");
  EXPECT_EQ(waitFor("get deployment web -o 'jsonpath={.status.availableReplicas}'", "2"), "2");
  EXPECT_EQ(cordoned(), "tb1=,tb2=,tb3=,tb4=,tb5=,");
  // Each risky step (3 etcd members, 3 control planes) had its own verified backup in the catalog.
  auto backups = kforge("backup list -f " + kInv + " -o json");
  int preStep = 0;
  for (size_t p = backups.out.find("pre-step:"); p != std::string::npos; p = backups.out.find("pre-step:", p + 1)) ++preStep;
  EXPECT_GE(preStep, 6) << backups.out;

  // Done: a second plan has nothing to do; the old inventory is refused by apply (it would downgrade), the
  // inventory at the new version plans nothing.
  auto again = kforge("upgrade plan -f " + kInv + " --to " + kTo);
  EXPECT_EQ(again.exitCode, 0) << again.out;
  EXPECT_NE(again.out.find("Plan: nothing to do"), std::string::npos) << again.out;
  auto old = kforge("plan -f " + kInv);
  EXPECT_EQ(old.exitCode, 3) << old.out;
  EXPECT_NE(old.out.find("would downgrade"), std::string::npos) << old.out;
  ASSERT_EQ(sh("sed -i 's|kubernetesVersion: " + kFrom + "|kubernetesVersion: " + kTo + "|' " + kInv).exitCode, 0);
  auto same = kforge("plan -f " + kInv);
  EXPECT_EQ(same.exitCode, 0) << same.out;
  EXPECT_NE(same.out.find("Plan: nothing to do"), std::string::npos) << same.out;
}

}  // namespace
