// `kforge apply` end to end on the testbed: 3 stacked control planes + 2 workers on real test hosts (real sshd,
// the REAL etcd, kube-apiserver, kube-controller-manager and kube-scheduler of the oldest pinned release, the
// endpoint through a real HAProxy, the kubelet stand-in of tests/testbed/standins), checked with the real
// etcdctl and kubectl of the same release.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "cli_testbed.hpp"

namespace {

using kforge::e2e::CliTestbed;
using kforge::e2e::Cmd;
using kforge::e2e::sh;

const CliTestbed T{KFORGE_E2E_DIR, KFORGE_E2E_NET};
const std::string kDir = T.dir;
const std::string kTestbed = T.testbed();
const std::string kForge = KFORGE_BINARY;
const std::string kInv = T.inventory();
const std::string kState = T.state();
const std::string kRelease = kforge::e2e::pinnedReleases().front().kubernetes;
constexpr int kHosts = 5;  // tb1-tb3 control planes (stacked etcd), tb4-tb5 workers

std::string addr(int i) { return T.addr(i); }
Cmd kforge(const std::string& args) { return T.kforge(args); }
Cmd etcdctlAt(const std::string& endpoints, const std::string& args) { return T.etcdctl(endpoints, args); }
Cmd etcdctl(const std::string& args) { return T.etcdctl(T.endpoints(1, 3), args); }
Cmd kubectl(const std::string& args) { return T.kubectl(args); }
std::string waitFor(const std::string& args, const std::string& want, int seconds = 120) { return T.waitFor(args, want, seconds); }

// sha256 of every file kforge manages on every host (read through the host's namespaces, not through kforge).
std::string hostFiles() {
  return T.onHosts(1, kHosts,
                   "find /etc/kubernetes /var/lib/kubelet/config.yaml /var/lib/kubelet/kubeadm-flags.env "
                   "/etc/systemd/system/kubelet.service -type f -exec sha256sum {} + | sort");
}

void expectHealthyCluster() {
  auto members = etcdctl("member list");
  ASSERT_EQ(members.exitCode, 0) << members.out;
  for (const char* n : {"tb1", "tb2", "tb3"})
    EXPECT_NE(members.out.find(std::string(", started, ") + n + ","), std::string::npos) << members.out;
  EXPECT_EQ(members.out.find(", true"), std::string::npos) << "a learner is left: " << members.out;
  auto health = etcdctl("endpoint health");
  EXPECT_EQ(health.exitCode, 0) << health.out;
  auto ready = kubectl("get --raw /readyz");
  EXPECT_EQ(ready.out, "ok") << ready.out;
  // Every node Ready at the release, control planes with their role (kforge's mark-control-plane: the kubelet
  // may not set node-role labels itself), the pool label, workers without a role.
  EXPECT_EQ(waitFor("get nodes -o 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Ready\")].status},{end}'",
                    "tb1=True,tb2=True,tb3=True,tb4=True,tb5=True,"),
            "tb1=True,tb2=True,tb3=True,tb4=True,tb5=True,");
  auto nodes = kubectl("get nodes -L tier --no-headers");
  for (int i = 1; i <= kHosts; ++i) {
    std::string n = "tb" + std::to_string(i);
    auto line = nodes.out.substr(nodes.out.find(n + " "));
    line = line.substr(0, line.find('\n'));
    EXPECT_NE(line.find(" Ready "), std::string::npos) << line;
    EXPECT_NE(line.find(i <= 3 ? " control-plane " : " <none> "), std::string::npos) << line;
    EXPECT_NE(line.find(" " + kRelease + " "), std::string::npos) << line;
    EXPECT_NE(line.find(i <= 3 ? "control" : "general"), std::string::npos) << line;
  }
  EXPECT_EQ(kubectl("get node tb1 -o 'jsonpath={.spec.taints[*].key}:{.spec.taints[*].effect}'").out,
            "node-role.kubernetes.io/control-plane:NoSchedule");
  EXPECT_EQ(kubectl("get node tb2 -o 'jsonpath={.metadata.labels.node\\.kubernetes\\.io/exclude-from-external-load-balancers}'").exitCode, 0);
  auto taints = kubectl("get node tb4 -o 'jsonpath={.spec.taints}'");
  EXPECT_NE(taints.out.find("\"key\":\"dedicated\""), std::string::npos) << taints.out;
  EXPECT_EQ(taints.out.find("control-plane"), std::string::npos) << taints.out;
  // admin.conf (kubeadm:cluster-admins) can do everything: the binding kforge made with super-admin.conf.
  EXPECT_EQ(kubectl("auth can-i '*' '*'").out, "yes\n");
  EXPECT_EQ(kubectl("get clusterrolebinding kubeadm:cluster-admins -o 'jsonpath={.roleRef.name}'").out, "cluster-admin");
  // Controller-manager and scheduler: /healthz on each control plane, one leader each holding its Lease.
  for (int i = 1; i <= 3; ++i)
    for (int port : {10257, 10259}) {
      auto hz = sh("curl -sk --max-time 5 https://" + addr(i) + ":" + std::to_string(port) + "/healthz");
      EXPECT_EQ(hz.out, "ok") << "tb" << i << ":" << port << " " << hz.out;
    }
  for (const char* lease : {"kube-controller-manager", "kube-scheduler"}) {
    auto holder = kubectl(std::string("-n kube-system get lease ") + lease + " -o 'jsonpath={.spec.holderIdentity}'");
    EXPECT_EQ(holder.out.rfind("tb", 0), 0u) << lease << ": " << holder.out;
  }
  // Mirror pods of the static pods, with the manifest's hash.
  auto mirror = kubectl("-n kube-system get pod kube-apiserver-tb1 -o 'jsonpath={.metadata.annotations.kubernetes\\.io/config\\.hash}'");
  EXPECT_EQ(mirror.exitCode, 0) << mirror.out;
  EXPECT_EQ(mirror.out.size(), 32u) << mirror.out;
  // Addons: CoreDNS scheduled by the real scheduler and Running, with the cluster DNS address; kube-proxy.
  EXPECT_EQ(kubectl("-n kube-system get svc kube-dns -o 'jsonpath={.spec.clusterIP}'").out, "10.96.0.10");
  EXPECT_EQ(waitFor("-n kube-system get pods -l k8s-app=kube-dns -o 'jsonpath={.items[*].status.phase}'", "Running Running"),
            "Running Running");
  EXPECT_EQ(kubectl("-n kube-system get ds kube-proxy -o 'jsonpath={.spec.template.spec.containers[0].image}'").out,
            "registry.k8s.io/kube-proxy:" + kRelease);
  // kube-proxy: the DaemonSet controller made a pod for every node, and each is Running. (Its status counters
  // can lag behind a node that was deleted and registered again: the pods are what counts.)
  EXPECT_EQ(waitFor("-n kube-system get pods -l k8s-app=kube-proxy --sort-by=.spec.nodeName -o "
                    "'jsonpath={range .items[*]}{.spec.nodeName}={.status.phase},{end}'",
                    "tb1=Running,tb2=Running,tb3=Running,tb4=Running,tb5=Running,"),
            "tb1=Running,tb2=Running,tb3=Running,tb4=Running,tb5=Running,");
}

// The real `kubectl drain`: evicts a Deployment's pods from a worker (they come back on the other one), is
// blocked by a PodDisruptionBudget allowing 0 disruptions, and `kubectl uncordon` undoes the cordon.
void expectDrainHonoursPdbs() {
  ASSERT_EQ(kubectl("create deployment web --image=registry.k8s.io/pause:3.10.2 --replicas=2").exitCode, 0);
  ASSERT_EQ(kubectl("patch deployment web -p '{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{\"tier\":\"general\"}}}}}'").exitCode, 0);
  auto rollout = kubectl("rollout status deployment/web --timeout=120s");
  ASSERT_EQ(rollout.exitCode, 0) << rollout.out;
  auto drain = kubectl("drain tb4 --ignore-daemonsets --timeout=120s");
  ASSERT_EQ(drain.exitCode, 0) << drain.out;
  EXPECT_EQ(kubectl("get node tb4 -o 'jsonpath={.spec.unschedulable}'").out, "true");
  EXPECT_EQ(waitFor("get pods -l app=web --field-selector spec.nodeName=tb4 -o name", ""), "");
  ASSERT_EQ(kubectl("rollout status deployment/web --timeout=120s").exitCode, 0);
  EXPECT_EQ(waitFor("get pods -l app=web -o 'jsonpath={.items[*].spec.nodeName}'", "tb5 tb5"), "tb5 tb5");
  ASSERT_EQ(kubectl("uncordon tb4").exitCode, 0);
  EXPECT_EQ(kubectl("get node tb4 -o 'jsonpath={.spec.unschedulable}'").out, "");

  ASSERT_EQ(kubectl("create pdb web --selector=app=web --max-unavailable=0").exitCode, 0);
  EXPECT_EQ(waitFor("get pdb web -o 'jsonpath={.status.expectedPods}/{.status.disruptionsAllowed}'", "2/0"), "2/0");
  auto blocked = kubectl("drain tb5 --ignore-daemonsets --timeout=15s");
  EXPECT_NE(blocked.exitCode, 0) << blocked.out;
  EXPECT_NE(blocked.out.find("disruption budget"), std::string::npos) << blocked.out;
  EXPECT_EQ(kubectl("get pods -l app=web -o 'jsonpath={.items[*].spec.nodeName}'").out, "tb5 tb5");
  ASSERT_EQ(kubectl("uncordon tb5").exitCode, 0);
  EXPECT_EQ(kubectl("get node tb5 -o 'jsonpath={.spec.unschedulable}'").out, "");
  kubectl("delete pdb web");
  kubectl("delete deployment web");
}

class ApplyE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto up = sh(kTestbed + " up " + std::to_string(kHosts));
    ASSERT_EQ(up.exitCode, 0) << up.out;
  }
  void TearDown() override { sh(kTestbed + " down"); }
};

TEST_F(ApplyE2E, BuildsTheClusterAndASecondApplyChangesNothing) {
  auto plan = kforge("plan -f " + kInv);
  ASSERT_EQ(plan.exitCode, 0) << plan.out;
  EXPECT_NE(plan.out.find("start the first etcd member"), std::string::npos) << plan.out;
  EXPECT_EQ(sh("ls " + kDir + "/hosts/tb1/root/etc/kubernetes | wc -l").out, "0\n") << "plan changed a host";

  auto apply = kforge("apply -f " + kInv);
  ASSERT_EQ(apply.exitCode, 0) << apply.out;
  expectHealthyCluster();
  expectDrainHonoursPdbs();

  // A kubelet restart leaves static pods running (the runtime owns them): same etcd and API server processes.
  auto pids = [] { return sh(kTestbed + " exec tb2 pgrep -x 'etcd|kube-apiserver'").out; };
  std::string before = pids();
  ASSERT_EQ(before.empty() ? 1 : 0, 0);
  ASSERT_EQ(sh(kTestbed + " exec tb2 systemctl restart kubelet").exitCode, 0);
  EXPECT_EQ(pids(), before);
  EXPECT_EQ(waitFor("get node tb2 -o 'jsonpath={.status.conditions[?(@.type==\"Ready\")].status}'", "True"), "True");

  std::string files = hostFiles();
  auto again = kforge("apply -f " + kInv);
  EXPECT_EQ(again.exitCode, 0) << again.out;
  EXPECT_NE(again.out.find("Plan: nothing to do"), std::string::npos) << again.out;
  EXPECT_EQ(hostFiles(), files);

  // Through a bastion (tb4): SSH, etcd and API calls all go through it — plan still has nothing to do, and with
  // the bastion down kforge cannot reach etcd even though the members are up (exit 5, the bastion named).
  std::string bastionInv = kDir + "/bastion.yaml";
  ASSERT_EQ(sh("sed 's|knownHosts: \\([^}]*\\)}|knownHosts: \\1, bastion: {address: " + addr(4) + "}}|' " + kInv +
               " > " + bastionInv + " && grep -q bastion " + bastionInv).exitCode, 0);
  auto viaBastion = kforge("plan -f " + bastionInv);
  EXPECT_EQ(viaBastion.exitCode, 0) << viaBastion.out;
  EXPECT_NE(viaBastion.out.find("Plan: nothing to do"), std::string::npos) << viaBastion.out;
  auto members = kforge("etcd members -f " + bastionInv);
  EXPECT_EQ(members.exitCode, 0) << members.out;
  for (const char* n : {"tb1", "tb2", "tb3"}) EXPECT_NE(members.out.find(n), std::string::npos) << members.out;
  ASSERT_EQ(sh(kTestbed + " kill tb4").exitCode, 0);
  auto noBastion = kforge("etcd members -f " + bastionInv);
  EXPECT_EQ(noBastion.exitCode, 5) << noBastion.out;
  EXPECT_NE(noBastion.out.find("bastion " + addr(4)), std::string::npos) << noBastion.out;
  EXPECT_EQ(kforge("etcd members -f " + kInv).exitCode, 0) << "etcd itself is up";
  ASSERT_EQ(sh(kTestbed + " start tb4").exitCode, 0);

  // A changed host key: refused with the new key's fingerprint, nothing changes anywhere.
  ASSERT_EQ(sh(kTestbed + " rekey tb2").exitCode, 0);
  std::string beforeRekeyRun = hostFiles();
  auto refused = kforge("apply -f " + kInv);
  EXPECT_EQ(refused.exitCode, 5) << refused.out;
  EXPECT_NE(refused.out.find("tb2"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("SHA256:"), std::string::npos) << refused.out;
  EXPECT_EQ(hostFiles(), beforeRekeyRun);

  // kforge's Kubernetes client against this cluster's API (the unit binary's KubeLive tests, skipped elsewhere).
  auto live = sh("KFORGE_KUBE_TEST_KUBECONFIG=" + kState + "/admin.conf " + KFORGE_UNIT_TESTS + " --gtest_filter='KubeLive.*'");
  EXPECT_EQ(live.exitCode, 0) << live.out;
  EXPECT_NE(live.out.find("[  PASSED  ] 3 tests."), std::string::npos) << live.out;
  EXPECT_EQ(live.out.find("SKIPPED"), std::string::npos) << live.out;
}

TEST_F(ApplyE2E, ResetLeavesEtcdFirstAndMovesFilesAside) {
  ASSERT_EQ(kforge("apply -f " + kInv).exitCode, 0);
  auto st = kforge("status -f " + kInv);
  EXPECT_EQ(st.exitCode, 0) << st.out;
  EXPECT_NE(st.out.find("cluster healthy"), std::string::npos) << st.out;

  auto worker = kforge("reset -f " + kInv + " --host tb4");
  ASSERT_EQ(worker.exitCode, 0) << worker.out;
  EXPECT_EQ(kubectl("get node tb4").exitCode, 1) << "node object must be gone";
  auto moved = sh(kTestbed + " exec tb4 sh -c 'ls /var/lib/kforge/reset-*/etc-kubernetes/; ls /etc/kubernetes | wc -l'");
  EXPECT_NE(moved.out.find("kubelet.conf"), std::string::npos) << moved.out;
  EXPECT_NE(moved.out.find("\n0\n"), std::string::npos) << moved.out;

  auto cp = kforge("reset -f " + kInv + " --host tb3");
  ASSERT_EQ(cp.exitCode, 0) << cp.out;
  EXPECT_NE(cp.out.find("backup"), std::string::npos) << "a verified backup precedes the member removal: " << cp.out;
  auto members = etcdctl("member list");
  EXPECT_EQ(members.out.find("tb3"), std::string::npos) << members.out;
  auto health = etcdctlAt("https://" + addr(1) + ":2379,https://" + addr(2) + ":2379", "endpoint health");
  EXPECT_EQ(health.exitCode, 0) << health.out;
  auto data = sh(kTestbed + " exec tb3 sh -c 'ls /var/lib/kforge/reset-*/etcd-data/'");
  EXPECT_NE(data.out.find("member"), std::string::npos) << "etcd data is moved aside, not deleted: " << data.out;

  // Everything: the last etcd member needs --force.
  auto all = kforge("reset -f " + kInv);
  EXPECT_EQ(all.exitCode, 3) << all.out;
  EXPECT_NE(all.out.find("Pass --force"), std::string::npos) << all.out;
  // The cluster grows back: apply joins tb3 and tb4 again.
  auto back = kforge("apply -f " + kInv);
  ASSERT_EQ(back.exitCode, 0) << back.out;
  expectHealthyCluster();
}

TEST_F(ApplyE2E, UnreachableHostIsNamedByPreflightAndNothingChanges) {
  ASSERT_EQ(sh(kTestbed + " kill tb3").exitCode, 0);
  auto r = kforge("apply -f " + kInv);
  EXPECT_EQ(r.exitCode, 5) << r.out;
  EXPECT_NE(r.out.find("cannot reach 1 host(s); nothing was changed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tb3"), std::string::npos) << r.out;
  EXPECT_EQ(sh("find " + kDir + "/hosts/tb1/root/etc/kubernetes -type f | wc -l").out, "0\n");
}

TEST_F(ApplyE2E, KilledMidwayThenRerunEndsHealthyAndComplete) {
  // SIGKILL kforge while it joins etcd members, then run it again.
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + kForge + " apply -f " + kInv + " >/dev/null 2>&1").c_str(), nullptr);
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {  // until the first etcd member runs on tb1
    if (sh(kTestbed + " exec tb1 cat /var/lib/kubelet/standin-pods.json").out.find("\"etcd\"") != std::string::npos) break;
    usleep(100 * 1000);
  }
  // It must still be running when killed, else this test is only "apply twice".
  ASSERT_EQ(waitpid(pid, nullptr, WNOHANG), 0) << "kforge apply ended before it could be killed mid-run";
  kill(pid, SIGKILL);
  int st = 0;
  waitpid(pid, &st, 0);
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << "kforge was not killed mid-run";
  // The run lock died with the process (flock): the second run goes ahead and finishes the job.
  auto r = kforge("apply -f " + kInv);
  ASSERT_EQ(r.exitCode, 0) << r.out;
  expectHealthyCluster();
}

}  // namespace

namespace {

// External etcd: 3 etcd hosts + 2 control planes + 1 worker on their own testbed (127.0.43.x).
TEST(ApplyExternalEtcdE2E, ThreeEtcdTwoControlPlanesOneWorker) {
  const std::string dir = std::string(KFORGE_E2E_DIR) + "-ext", net = "127.0.43";
  const std::string tb = std::string(KFORGE_TESTBED) + " --dir " + dir + " --net " + net;
  auto up = sh(tb + " up 6");
  ASSERT_EQ(up.exitCode, 0) << up.out;
  auto a = [&](int i) { return net + "." + std::to_string(10 + i); };
  std::string inv = dir + "/external.yaml";
  FILE* f = fopen(inv.c_str(), "w");
  fprintf(f,
          "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: ext}\nspec:\n"
          "  kubernetesVersion: %s\n  allowLoopbackAddresses: true\n  controlPlaneEndpoint: %s.10:6443\n"
          "  etcd: {topology: external}\n"
          "  pki: {keyAlgorithm: ecdsa-p256}\n  ssh: {user: root, keyPath: %s/id_ed25519, knownHosts: %s/known_hosts}\n"
          "  nodePools:\n"
          "    - {name: etcd, role: etcd, hosts: [{name: tb1, address: %s}, {name: tb2, address: %s}, {name: tb3, address: %s}]}\n"
          "    - {name: control, role: control-plane, hosts: [{name: tb4, address: %s}, {name: tb5, address: %s}]}\n"
          "    - {name: general, role: worker, labels: {tier: general}, hosts: [{name: tb6, address: %s}]}\n",
          kRelease.c_str(), net.c_str(), dir.c_str(), dir.c_str(), a(1).c_str(), a(2).c_str(), a(3).c_str(), a(4).c_str(), a(5).c_str(),
          a(6).c_str());
  fclose(f);
  auto r = kforge("apply -f " + inv);
  EXPECT_EQ(r.exitCode, 0) << r.out;
  std::string state = dir + "/.kforge/ext";
  auto members = sh(kforge::e2e::etcdctlBin() + " --endpoints=https://" + a(1) + ":2379 --cacert " + state +
                    "/pki/etcd/ca.crt --cert " + state + "/hosts/tb1/pki/etcd/healthcheck-client.crt --key " + state +
                    "/hosts/tb1/pki/etcd/healthcheck-client.key member list");
  for (const char* n : {"tb1", "tb2", "tb3"})
    EXPECT_NE(members.out.find(std::string(", started, ") + n + ","), std::string::npos) << members.out;
  EXPECT_EQ(members.out.find("tb4"), std::string::npos) << "control planes are no etcd members here";
  // The API servers use the external members (their flags name all three).
  auto flags = sh(tb + " exec tb4 grep -- --etcd-servers /etc/kubernetes/manifests/kube-apiserver.yaml");
  EXPECT_NE(flags.out.find("https://" + a(1) + ":2379,https://" + a(2) + ":2379,https://" + a(3) + ":2379"),
            std::string::npos) << flags.out;
  auto ready = sh(kforge::e2e::kubectlBin() + " --kubeconfig " + state + "/admin.conf get --raw /readyz");
  EXPECT_EQ(ready.out, "ok");
  auto nodes = sh(kforge::e2e::kubectlBin() + " --kubeconfig " + state + "/admin.conf get nodes -L tier --no-headers");
  for (const char* n : {"tb4 ", "tb5 ", "tb6 "}) EXPECT_NE(nodes.out.find(n), std::string::npos) << nodes.out;
  EXPECT_EQ(nodes.out.find("tb1 "), std::string::npos) << "etcd hosts run no registered kubelet: " << nodes.out;
  auto again = kforge("apply -f " + inv);
  EXPECT_NE(again.out.find("Plan: nothing to do"), std::string::npos) << again.out;
  sh(tb + " down");
}


// The real kubeadm of the release, run on a kforge-built cluster as an operator would (docs/kubeadm-compat.md,
// "kubeadm on a kforge-built cluster"): one control plane + one worker on their own testbed (127.0.40.x). With a
// single control plane the API server is ready before HAProxy's health check has seen it: the addons, which go
// through the endpoint, must wait for the endpoint (they failed with SSL_ERROR_SYSCALL before).
TEST(ApplyKubeadmE2E, RealKubeadmWorksOnAKforgeCluster) {
  kforge::e2e::CliTestbed t{std::string(KFORGE_E2E_DIR) + "-kubeadm", "127.0.40"};
  auto up = t.tb("up 2 --control 1");
  ASSERT_EQ(up.exitCode, 0) << up.out;
  auto apply = kforge("apply -f " + t.inventory());
  ASSERT_EQ(apply.exitCode, 0) << apply.out;
  const std::string kubeadm = kforge::e2e::upstreamBin("kubeadm", kRelease);
  auto onHost = [&](int host, const std::string& cmd) { return t.tb("exec tb" + std::to_string(host) + " " + cmd); };
  auto table = [](const std::string& out) {
    auto at = out.find("CERTIFICATE ");
    return at == std::string::npos ? std::string() : out.substr(at);
  };

  // kubeadm certs check-expiration on the control plane lists the same certificates, CAs and dates as kforge's.
  // (It warns that it cannot read the cluster's configuration: a loopback advertise address, see below.)
  auto ka = onHost(1, kubeadm + " certs check-expiration");
  EXPECT_EQ(ka.exitCode, 0) << ka.out;
  auto kf = kforge("certs check-expiration --state-dir " + t.state() + " --host tb1");
  EXPECT_EQ(kf.exitCode, 0) << kf.out;
  EXPECT_NE(table(ka.out).find("apiserver-etcd-client"), std::string::npos) << ka.out;
  EXPECT_NE(table(ka.out).find("front-proxy-ca"), std::string::npos) << ka.out;
  EXPECT_EQ(table(ka.out), table(kf.out));

  // kforge token create: kubeadm token list shows it, with kubeadm's usages and group.
  auto join = kforge("token create -f " + t.inventory() + " --print-join-command");
  ASSERT_EQ(join.exitCode, 0) << join.out;
  ASSERT_EQ(join.out.rfind("kubeadm join " + t.addr(0) + ":6443 --token ", 0), 0u) << join.out;
  std::string token = join.out.substr(join.out.find("--token ") + 8, 23);
  auto list = onHost(1, kubeadm + " token list");
  EXPECT_EQ(list.exitCode, 0) << list.out;
  auto row = list.out.substr(std::min(list.out.find(token), list.out.size()));
  row = row.substr(0, row.find('\n'));
  EXPECT_NE(row.find("authentication,signing"), std::string::npos) << list.out;
  EXPECT_NE(row.find("system:bootstrappers:kubeadm:default-node-token"), std::string::npos) << list.out;

  // kubeadm join's discovery on the worker: the cluster-info ConfigMap, signed for the token by the real
  // controller-manager's bootstrapsigner, and the endpoint's certificate pinned by the CA hash kforge printed.
  // (--dry-run: the node is already a member; the discovery itself reads the real cluster.)
  std::string joinArgs = join.out.substr(std::string("kubeadm join ").size());
  joinArgs = joinArgs.substr(0, joinArgs.find('\n'));
  auto discovered = onHost(2, kubeadm + " join " + joinArgs + " --dry-run --node-name kubeadm-joiner --v=1 --ignore-preflight-errors=all");
  EXPECT_EQ(discovered.exitCode, 0) << discovered.out;
  EXPECT_NE(discovered.out.find("Cluster info signature and contents are valid and TLS certificate validates against pinned roots"),
            std::string::npos) << discovered.out;
  std::string wrongHash = joinArgs.substr(0, joinArgs.find("sha256:") + 7) + std::string(64, '0');
  auto refused = onHost(2, kubeadm + " join " + wrongHash + " --dry-run --node-name kubeadm-joiner --ignore-preflight-errors=all");
  EXPECT_NE(refused.exitCode, 0) << refused.out;
  EXPECT_NE(refused.out.find("are pinned"), std::string::npos) << refused.out;

  // kubeadm upgrade plan reads kubeadm-config, the Node and the mirror pods, then stops at the testbed's
  // addresses: for a loopback advertise address kubeadm looks for a global unicast address on `lo`, and test
  // hosts may only have 127.0.0.0/8 ones (docs/kubeadm-compat.md). Asserted exactly, so that a change there shows.
  auto plan = onHost(1, kubeadm + " upgrade plan " + kforge::e2e::pinnedReleases().back().kubernetes);
  EXPECT_NE(plan.exitCode, 0) << plan.out;
  EXPECT_NE(plan.out.find("[upgrade/config] Reading configuration from the \"kubeadm-config\" ConfigMap"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("unable to select an IP from lo network interface"), std::string::npos) << plan.out;
  t.tb("down");
}

}  // namespace
