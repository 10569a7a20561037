// Planning the restart of running components whose certificates or kubeconfigs changed under them
// (bootstrap/component_restart.hpp): from the host's process start times and file times only.
#include <gtest/gtest.h>

#include "bootstrap/component_restart.hpp"

namespace kforge {
namespace {

const char* kApiServerManifest = R"(apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
spec:
  containers:
  - command:
    - kube-apiserver
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
    - --etcd-servers=https://127.0.0.1:2379
    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    - --service-account-key-file=/etc/kubernetes/pki/sa.pub
    - "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key"
    image: registry.k8s.io/kube-apiserver:v1.36.3
    volumeMounts:
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki
)";

TEST(ComponentRestart, FilesNamedByAManifestsCommandLine) {
  EXPECT_EQ(filesNamedByManifest(kApiServerManifest),
            (std::vector<std::string>{"/etc/kubernetes/pki/apiserver-kubelet-client.key", "/etc/kubernetes/pki/apiserver.crt",
                                      "/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/pki/sa.pub"}));
}

TEST(ComponentRestart, ParsesTheRemoteScriptsOutput) {
  // boot at 1000.0 (now 5000.5 - uptime 4000.5); clock ticks of 10 ms.
  auto rt = parseRuntime(
      "clock 5000.500000000 4000.50 100\n"
      "proc etcd 41 150000\n"
      "proc kube-controller 42 200000\n"
      "proc kube-controller 43 100000\n"
      "proc sshd 44 1\n"
      "proc kube-apiserver 45\n"  // cut short: the process went away while it was read
      "file 2400.250000000 /etc/kubernetes/pki/etcd/server.crt\n"
      "file 2600 /etc/kubernetes/a file with spaces.conf\n");
  ASSERT_TRUE(rt.observed);
  EXPECT_DOUBLE_EQ(rt.started.at("etcd"), 2500.0);
  EXPECT_DOUBLE_EQ(rt.started.at("kube-controller-manager"), 2000.0);  // the oldest of its processes
  EXPECT_EQ(rt.pids.at("kube-controller-manager"), (std::vector<int>{42, 43}));
  EXPECT_EQ(rt.started.count("kube-apiserver"), 0u);
  EXPECT_EQ(rt.started.size(), 2u);
  EXPECT_DOUBLE_EQ(rt.mtime.at("/etc/kubernetes/pki/etcd/server.crt"), 2400.25);
  EXPECT_DOUBLE_EQ(rt.mtime.at("/etc/kubernetes/a file with spaces.conf"), 2600);
  EXPECT_FALSE(parseRuntime("").observed);
}

RestartInput host(const std::string& name, double started, double certTime) {
  RestartInput in;
  in.host = name;
  in.runtime.observed = true;
  for (const char* c : {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet"})
    in.runtime.started[c] = started;
  in.uses["etcd"] = {"/etc/kubernetes/pki/etcd/server.crt", "/etc/kubernetes/pki/etcd/peer.crt"};
  in.uses["kube-apiserver"] = {"/etc/kubernetes/pki/apiserver.crt"};
  in.uses["kube-controller-manager"] = {"/etc/kubernetes/controller-manager.conf"};
  in.uses["kube-scheduler"] = {"/etc/kubernetes/scheduler.conf"};
  in.uses["kubelet"] = {"/etc/kubernetes/kubelet.conf"};
  for (const auto& [c, files] : in.uses)
    for (const auto& f : files) in.runtime.mtime[f] = certTime;
  return in;
}

std::vector<std::string> order(const std::vector<PlannedRestart>& plan) {
  std::vector<std::string> out;
  for (const auto& p : plan) out.push_back(p.host + "/" + p.component);
  return out;
}

TEST(ComponentRestart, NothingWhenEveryProcessStartedAfterItsFiles) {
  EXPECT_TRUE(planRestarts({host("cp1", 2000, 1000), host("cp2", 2000, 1999.99)}).empty());
}

TEST(ComponentRestart, RenewedFilesRestartEachComponentOnceInOrderTheEtcdLeaderLast) {
  auto cp1 = host("cp1", 2000, 1000), cp2 = host("cp2", 2000, 1000), cp3 = host("cp3", 2000, 1000);
  for (auto* h : {&cp1, &cp2, &cp3}) {  // `certs renew all` then apply: every leaf but kubelet.conf
    for (const char* f : {"/etc/kubernetes/pki/etcd/server.crt", "/etc/kubernetes/pki/apiserver.crt",
                          "/etc/kubernetes/controller-manager.conf", "/etc/kubernetes/scheduler.conf"})
      h->runtime.mtime[f] = 3000;
  }
  cp1.etcdLeader = true;
  auto plan = planRestarts({cp1, cp2, cp3});
  EXPECT_EQ(order(plan), (std::vector<std::string>{
                             "cp2/etcd", "cp3/etcd", "cp1/etcd",  // the leader last
                             "cp1/kube-apiserver", "cp2/kube-apiserver", "cp3/kube-apiserver",
                             "cp1/kube-controller-manager", "cp2/kube-controller-manager", "cp3/kube-controller-manager",
                             "cp1/kube-scheduler", "cp2/kube-scheduler", "cp3/kube-scheduler"}));
  EXPECT_EQ(plan.front().because, (std::vector<std::string>{"/etc/kubernetes/pki/etcd/server.crt"}));
}

TEST(ComponentRestart, OnlyTheComponentsOfTheChangedFiles) {
  auto w = host("w1", 2000, 1000);
  w.uses = {{"kubelet", {"/etc/kubernetes/kubelet.conf"}}};
  w.runtime.mtime["/etc/kubernetes/kubelet.conf"] = 2500;
  auto cp = host("cp1", 2000, 1000);
  cp.runtime.mtime["/etc/kubernetes/scheduler.conf"] = 2500;
  EXPECT_EQ(order(planRestarts({cp, w})), (std::vector<std::string>{"cp1/kube-scheduler", "w1/kubelet"}));
}

TEST(ComponentRestart, FilesThisRunWritesCountAsChanged) {
  auto cp = host("cp1", 2000, 1000);
  cp.pendingWrites = {"/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/pki/front-proxy-client.crt"};
  EXPECT_EQ(order(planRestarts({cp})), (std::vector<std::string>{"cp1/kube-apiserver"}));
}

TEST(ComponentRestart, NotWhatDoesNotRunNorWhatThisRunRestartsAnyway) {
  auto cp = host("cp1", 2000, 1000);
  for (auto& [f, t] : cp.runtime.mtime) t = 3000;
  cp.runtime.started.erase("etcd");                // not running: the etcd phase starts it
  cp.restartedAnyway = {"kube-apiserver", "kubelet"};  // its manifest / unit is rewritten
  EXPECT_EQ(order(planRestarts({cp})), (std::vector<std::string>{"cp1/kube-controller-manager", "cp1/kube-scheduler"}));
  RestartInput unobserved = host("cp2", 2000, 3000);
  unobserved.runtime.observed = false;
  EXPECT_TRUE(planRestarts({unobserved}).empty());
}

TEST(ComponentRestart, CommNames) {
  EXPECT_EQ(componentForComm("kube-controller"), "kube-controller-manager");
  EXPECT_EQ(componentForComm("etcd"), "etcd");
  EXPECT_EQ(componentForComm("etcdctl"), "");
  EXPECT_EQ(componentForComm("kubelet"), "kubelet");
}

}  // namespace
}  // namespace kforge
