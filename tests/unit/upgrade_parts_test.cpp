// The pure parts of `kforge upgrade`: what a drain evicts, Corefile plugins, image versions, manifest images,
// worker batches. The whole flow runs on the real control plane in tests/e2e/upgrade_test.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bootstrap/static_pod.hpp"
#include "core/error.hpp"
#include "core/inventory.hpp"
#include "core/state_dir.hpp"
#include "upgrade/cluster_state.hpp"
#include "upgrade/drain.hpp"
#include "upgrade/gate.hpp"
#include "upgrade/static_pod_rollout.hpp"

using namespace kforge;
using nlohmann::json;

TEST(UpgradeDrain, EvictsOnlyWhatKubectlDrainWould) {
  std::vector<json> pods = {
      json::parse(R"({"metadata":{"name":"web-1","namespace":"default"},"status":{"phase":"Running"}})"),
      json::parse(R"({"metadata":{"name":"kube-apiserver-cp1","namespace":"kube-system",
                      "annotations":{"kubernetes.io/config.mirror":"abc"}},"status":{"phase":"Running"}})"),
      json::parse(R"({"metadata":{"name":"kube-proxy-x","namespace":"kube-system",
                      "ownerReferences":[{"kind":"DaemonSet","name":"kube-proxy","controller":true}]},"status":{"phase":"Running"}})"),
      json::parse(R"({"metadata":{"name":"job-1","namespace":"default"},"status":{"phase":"Succeeded"}})"),
      json::parse(R"({"metadata":{"name":"going","namespace":"default","deletionTimestamp":"2026-01-01T00:00:00Z"},"status":{"phase":"Running"}})"),
      json::parse(R"({"metadata":{"name":"rs-pod","namespace":"default",
                      "ownerReferences":[{"kind":"ReplicaSet","name":"web","controller":true}]},"status":{"phase":"Pending"}})")};
  auto out = upgrade::podsToEvict(pods);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["metadata"]["name"], "web-1");
  EXPECT_EQ(out[1]["metadata"]["name"], "rs-pod");
}

TEST(UpgradeGate, CorefilePluginsAreTheDirectivesOfServerBlocks) {
  std::string corefile =
      ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n"
      "    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n"
      "       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n"
      "    cache 30 # a comment\n    loop\n    reload\n    loadbalance\n    myplugin on\n}\n";
  auto p = upgrade::corefilePlugins(corefile);
  EXPECT_EQ(p, (std::set<std::string>{"errors", "health", "ready", "kubernetes", "prometheus", "forward", "cache", "loop",
                                      "reload", "loadbalance", "myplugin"}));
  EXPECT_FALSE(p.count("lameduck"));
  EXPECT_FALSE(p.count("pods"));
  for (const auto& x : p) {
    if (x != "myplugin") {
      EXPECT_TRUE(upgrade::knownCorednsPlugins().count(x)) << x;
    }
  }
  EXPECT_FALSE(upgrade::knownCorednsPlugins().count("myplugin"));
}

// Only a budget that can never allow a disruption blocks the gate; one at 0 because a pod is being replaced (a run
// killed mid-drain, resumed at once: seen in the upgrade e2e) is a note, and the drain waits for it.
TEST(UpgradeGate, PdbBlocksOnlyWhenNoDisruptionIsEverAllowed) {
  Cluster c = parseInventory("apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n"
                             "  kubernetesVersion: v1.36.3\n  nodePools:\n"
                             "    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.0.0.11}]}\n",
                             "a.yaml");
  upgrade::ClusterState s;
  auto pdb = [](const char* name, int expected, int desired, int healthy, int allowed) {
    return nlohmann::json{{"metadata", {{"namespace", "default"}, {"name", name}}},
                          {"status", {{"expectedPods", expected}, {"desiredHealthy", desired}, {"currentHealthy", healthy},
                                      {"disruptionsAllowed", allowed}}}};
  };
  s.pdbs.push_back(pdb("frozen", 2, 2, 2, 0));     // maxUnavailable 0
  s.pdbs.push_back(pdb("replacing", 2, 1, 1, 0));  // maxUnavailable 1, one pod not Ready yet
  s.pdbs.push_back(pdb("fine", 2, 1, 2, 1));
  s.pdbs.push_back(pdb("empty", 0, 0, 0, 0));
  std::vector<std::string> got;
  for (const auto& f : upgrade::runGate(c, s, {}))
    if (f.check == "pdb") got.push_back((f.blocking ? "block " : "note ") + f.message);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "block PodDisruptionBudget default/frozen allows 0 disruptions (2 of 2 pods healthy, 2 desired): "
                    "draining a node with its pods would block");
  EXPECT_EQ(got[1].rfind("note PodDisruptionBudget default/replacing allows 0 disruptions right now (1 of 2 pods healthy, 1 desired)", 0), 0u)
      << got[1];
}

// A control plane a killed run left held down (its API server's manifest moved aside) is put back by the next run's
// first step: its control-plane findings are notes, not a refusal the user could never get past.
TEST(UpgradeGate, HeldDownControlPlaneIsANote) {
  Cluster c = parseInventory("apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n"
                             "  kubernetesVersion: v1.36.3\n  nodePools:\n"
                             "    - {name: control, role: control-plane, hosts: [{name: cp1, address: 10.0.0.11}]}\n",
                             "a.yaml");
  upgrade::ClusterState s;  // cp1: no /readyz, no mirror pods
  auto controlPlane = [&](upgrade::GateOptions o) {
    int blocking = 0, notes = 0;
    for (const auto& f : upgrade::runGate(c, s, o))
      if (f.check == "control-plane") (f.blocking ? blocking : notes) += 1;
    return std::to_string(blocking) + " blocking, " + std::to_string(notes) + " notes";
  };
  EXPECT_EQ(controlPlane({}), "4 blocking, 0 notes");
  upgrade::GateOptions held;
  held.heldDown = {"cp1"};
  EXPECT_EQ(controlPlane(held), "0 blocking, 4 notes");
}

TEST(UpgradeState, ImageVersions) {
  using upgrade::ClusterState;
  EXPECT_EQ(ClusterState::imageVersion("registry.k8s.io/kube-apiserver:v1.36.3")->str(), "v1.36.3");
  EXPECT_EQ(ClusterState::imageVersion("registry.k8s.io/etcd:3.6.8-0")->str(), "v3.6.8");
  EXPECT_EQ(ClusterState::imageVersion("localhost:5000/kube-apiserver:v1.37.2")->str(), "v1.37.2");
  EXPECT_FALSE(ClusterState::imageVersion("localhost:5000/kube-apiserver"));
  EXPECT_FALSE(ClusterState::imageVersion("registry.k8s.io/kube-apiserver:latest"));
}

TEST(UpgradeRollout, ComponentAndImageOfAManifest) {
  EXPECT_EQ(componentOfManifest("/etc/kubernetes/manifests/kube-apiserver.yaml"), "kube-apiserver");
  EXPECT_EQ(componentOfManifest("/etc/kubernetes/manifests/etcd.yaml"), "etcd");
  std::string yaml = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - etcd\n"
                     "    image: registry.k8s.io/etcd:3.7.0-0\n    imagePullPolicy: IfNotPresent\n";
  EXPECT_EQ(upgrade::manifestImage(yaml), "registry.k8s.io/etcd:3.7.0-0");
  EXPECT_EQ(upgrade::manifestImage("spec:\n  containers:\n  - image: a/b:c\n"), "a/b:c");
  EXPECT_EQ(upgrade::manifestImage("metadata:\n  annotations:\n    note: \"image: x\"\n"), "");
}

TEST(UpgradeInventory, MaxUnavailableWorkersCountOrPercent) {
  auto inv = [](const std::string& v) {
    return "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  kubernetesVersion: v1.36.3\n"
           "  upgrade: {maxUnavailableWorkers: " + v + "}\n  nodePools:\n    - name: cp\n      role: control-plane\n"
           "      hosts: [{name: cp1, address: 10.0.0.1}]\n";
  };
  auto c = parseInventory(inv("25%"), "i.yaml");
  EXPECT_EQ(c.upgrade.maxUnavailableWorkersPercent, 25);
  EXPECT_EQ(c.upgrade.workerBatch(10), 2);
  EXPECT_EQ(c.upgrade.workerBatch(3), 1);
  auto n = parseInventory(inv("3"), "i.yaml");
  EXPECT_EQ(n.upgrade.workerBatch(10), 3);
  for (const char* bad : {"0%", "101%", "x%", "%", "1.5%"}) {
    try {
      parseInventory(inv(bad), "i.yaml");
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("i.yaml:6:"), std::string::npos) << e.what();
    }
  }
}

TEST(UpgradeInventory, KubeletPackageCommand) {
  auto c = parseInventory(
      "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  kubernetesVersion: v1.36.3\n"
      "  upgrade: {kubelet: {packageCommand: 'apt-get install -y kubelet=\"${KUBELET_VERSION#v}-*\"'}}\n  nodePools:\n"
      "    - name: cp\n      role: control-plane\n      hosts: [{name: cp1, address: 10.0.0.1}]\n",
      "i.yaml");
  EXPECT_EQ(c.upgrade.kubeletPackageCommand, "apt-get install -y kubelet=\"${KUBELET_VERSION#v}-*\"");
  EXPECT_TRUE(c.upgrade.kubeletBinaryDir.empty());
}

namespace {
std::string kubeletInv(const std::string& kubelet) {
  return "apiVersion: kforge.dev/v1alpha1\nkind: Cluster\nmetadata: {name: c}\nspec:\n  kubernetesVersion: v1.36.3\n"
         "  upgrade:\n    kubelet: " + kubelet + "\n  nodePools:\n"
         "    - name: cp\n      role: control-plane\n      hosts: [{name: cp1, address: 10.0.0.1}]\n";
}
}  // namespace

TEST(UpgradeInventory, KubeletBinaryDir) {
  auto c = parseInventory(kubeletInv("{binaryDir: bins}"), "/srv/inv/i.yaml");
  EXPECT_EQ(c.upgrade.kubeletBinaryDir, "bins");
  EXPECT_EQ(c.upgrade.kubeletBinaryPath, "/usr/bin/kubelet");
  EXPECT_EQ(kubeletBinaryDir(c), "/srv/inv/bins");  // beside the inventory, like spec.backups.dir
  EXPECT_TRUE(c.upgrade.kubeletPackageCommand.empty());
  auto d = parseInventory(kubeletInv("{binaryDir: /opt/k, binaryPath: /usr/local/bin/kubelet}"), "i.yaml");
  EXPECT_EQ(kubeletBinaryDir(d), "/opt/k");
  EXPECT_EQ(d.upgrade.kubeletBinaryPath, "/usr/local/bin/kubelet");
}

TEST(UpgradeInventory, KubeletExactlyOneWayWithItsLocation) {
  for (const auto& [kubelet, want] : std::vector<std::pair<std::string, std::string>>{
           {"{packageCommand: 'x', binaryDir: bins}", "i.yaml:7:14: spec.upgrade.kubelet: packageCommand and binaryDir both set"},
           {"{}", "i.yaml:7:14: spec.upgrade.kubelet: neither packageCommand nor binaryDir set"},
           {"{packageCommand: x, binaryPath: /usr/bin/kubelet}", "i.yaml:7:"},
           {"{binaryDir: b, binaryPath: usr/bin/kubelet}", "i.yaml:7:"},
           {"{binaryDir: b, binaryPath: '/usr/bin/../kubelet'}", "i.yaml:7:"},
           {"{binaryDir: b, binaryPath: '/usr/bin/kubelet;rm'}", "i.yaml:7:"},
           {"{binaryDir: b, binaryPath: /usr/bin/}", "i.yaml:7:"}}) {
    try {
      parseInventory(kubeletInv(kubelet), "i.yaml");
      ADD_FAILURE() << kubelet << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(want, 0), 0u) << kubelet << ": " << e.what();
    }
  }
}
