// The inventory loader on good input: the example inventories, defaults, accessors, durations and warnings.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/duration.hpp"
#include "core/inventory.hpp"
#include "core/version_catalog.hpp"
#include "core/k8s_names.hpp"

using namespace kforge;

namespace {

const std::string kHead =
    "apiVersion: kforge.dev/v1alpha1\n"
    "kind: Cluster\n"
    "metadata: {name: t}\n"
    "spec:\n"
    "  kubernetesVersion: v1.31.2\n";

std::string pool(const std::string& name, const std::string& role, int n, int firstOctet) {
  std::string s = "    - name: " + name + "\n      role: " + role + "\n      hosts:\n";
  for (int i = 1; i <= n; ++i)
    s += "        - {name: " + name + std::to_string(i) + ", address: 10.0." + std::to_string(firstOctet) + "." +
         std::to_string(i) + "}\n";
  return s;
}

std::string inv(const std::string& specExtra, const std::string& pools) {
  return kHead + specExtra + "  nodePools:\n" + pools;
}

}  // namespace

TEST(Inventory, ExampleInventoriesValidate) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(KFORGE_SOURCE_DIR) + "/inventories")) {
    if (entry.path().extension() != ".yaml") continue;
    ++n;
    SCOPED_TRACE(entry.path().string());
    Cluster c = loadInventory(entry.path().string());
    EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
    EXPECT_FALSE(c.controlPlaneHosts().empty());
  }
  EXPECT_GE(n, 4);
}

TEST(Inventory, TestbedUsesOnlyLoopbackAddresses) {
  Cluster c = loadInventory(std::string(KFORGE_SOURCE_DIR) + "/inventories/testbed.yaml");
  for (const auto* h : c.hosts()) EXPECT_TRUE(h->address.starts_with("127.")) << h->name;
  EXPECT_TRUE(c.endpointHost().starts_with("127."));
  EXPECT_EQ(c.ssh.user, "root");
  EXPECT_EQ(c.ssh.knownHosts, "/tmp/kforge-testbed/known_hosts");
  EXPECT_EQ(c.ssh.keyPath, "/tmp/kforge-testbed/id_ed25519");
}

TEST(Inventory, DefaultsApplied) {
  Cluster c = parseInventory(inv("", pool("cp", "control-plane", 1, 0)), "d.yaml");
  EXPECT_EQ(c.name, "t");
  EXPECT_EQ(c.sourceFile, "d.yaml");
  EXPECT_EQ(c.kubernetesVersion.str(), "v1.31.2");
  EXPECT_EQ(c.clusterName, "kubernetes");
  EXPECT_EQ(c.networking.podSubnet, "10.244.0.0/16");
  EXPECT_EQ(c.networking.serviceSubnet, "10.96.0.0/12");
  EXPECT_EQ(c.networking.dnsDomain, "cluster.local");
  EXPECT_EQ(c.etcd.topology, EtcdTopology::Stacked);
  EXPECT_EQ(c.etcd.runAs, EtcdRunAs::StaticPod);
  EXPECT_EQ(c.etcd.dataDir, "/var/lib/etcd");
  EXPECT_EQ(c.apiServer.bindPort, 6443);
  EXPECT_EQ(c.pki.keyAlgorithm, KeyAlgorithm::Rsa2048);
  EXPECT_EQ(c.pki.certValidityDays, 365);
  EXPECT_EQ(c.pki.caValidityDays, 3650);
  EXPECT_EQ(c.pki.renewBeforeDays, 30);
  EXPECT_EQ(c.images.repository, "registry.k8s.io");
  EXPECT_EQ(c.ssh.user, "root");
  EXPECT_EQ(c.ssh.port, 22);
  EXPECT_EQ(c.ssh.hostKeys, HostKeyPolicy::Strict);
  EXPECT_EQ(c.ssh.concurrency, 30);
  EXPECT_EQ(c.ssh.connectTimeoutSeconds, 10);
  EXPECT_EQ(c.ssh.commandTimeoutSeconds, 600);
  EXPECT_FALSE(c.ssh.bastion);
  EXPECT_EQ(c.backups.dir, "./backups");
  EXPECT_EQ(c.backups.keep, 10);
  EXPECT_EQ(c.upgrade.strategy, UpgradeStrategy::InPlace);
  EXPECT_EQ(c.upgrade.maxUnavailableWorkers, 1);
  EXPECT_EQ(c.upgrade.drainTimeoutSeconds, 300);
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.endpointHostPort(), "10.0.0.1:6443");
}

TEST(Inventory, NullValuesMeanDefaults) {
  Cluster c = parseInventory(inv("  etcd:\n  apiServer: {extraArgs: ~}\n", pool("cp", "control-plane", 1, 0)), "n.yaml");
  EXPECT_EQ(c.etcd.topology, EtcdTopology::Stacked);
  EXPECT_TRUE(c.apiServer.extraArgs.empty());
}

TEST(Inventory, HostsPoolsAndLocations) {
  Cluster c = parseInventory(inv("", pool("cp", "control-plane", 3, 0) + pool("w", "worker", 2, 1)), "h.yaml");
  ASSERT_EQ(c.hosts().size(), 5u);
  const Host* w2 = c.findHost("w2");
  ASSERT_TRUE(w2);
  EXPECT_EQ(w2->pool, "w");
  EXPECT_EQ(w2->role, Role::Worker);
  EXPECT_EQ(w2->address, "10.0.1.2");
  EXPECT_EQ(w2->loc.str(), "h.yaml:17:11");
  ASSERT_TRUE(c.findPool("w"));
  EXPECT_EQ(c.findPool("w")->loc.str(), "h.yaml:13:7");
  EXPECT_EQ(c.controlPlaneHosts().size(), 3u);
  EXPECT_EQ(c.workerHosts().size(), 2u);
}

TEST(Inventory, EtcdHostsStackedVsExternal) {
  Cluster stacked = parseInventory(inv("", pool("cp", "control-plane", 3, 0) + pool("w", "worker", 1, 1)), "s.yaml");
  ASSERT_EQ(stacked.etcdHosts().size(), 3u);
  EXPECT_EQ(stacked.etcdHosts()[0]->name, "cp1");
  EXPECT_TRUE(stacked.isEtcdMember(*stacked.findHost("cp2")));
  EXPECT_FALSE(stacked.isEtcdMember(*stacked.findHost("w1")));

  Cluster ext = parseInventory(
      inv("  etcd: {topology: external, runAs: systemd}\n",
          pool("etcd", "etcd", 3, 2) + pool("cp", "control-plane", 2, 0) + pool("w", "worker", 1, 1)),
      "e.yaml");
  ASSERT_EQ(ext.etcdHosts().size(), 3u);
  EXPECT_EQ(ext.etcdHosts()[0]->name, "etcd1");
  EXPECT_FALSE(ext.isEtcdMember(*ext.findHost("cp1")));
  EXPECT_EQ(ext.etcd.runAs, EtcdRunAs::Systemd);
}

TEST(Inventory, EndpointNormalized) {
  auto cp = pool("cp", "control-plane", 1, 0);
  EXPECT_EQ(parseInventory(inv("  controlPlaneEndpoint: 10.0.0.10:6443\n", cp), "a").endpointHostPort(),
            "10.0.0.10:6443");
  Cluster dns = parseInventory(inv("  controlPlaneEndpoint: api.example.com\n  apiServer: {bindPort: 8443}\n", cp), "a");
  EXPECT_EQ(dns.endpointHostPort(), "api.example.com:8443");
  EXPECT_EQ(dns.endpointHost(), "api.example.com");
  EXPECT_EQ(dns.endpointPort(), 8443);
  Cluster v6 = parseInventory(inv("  controlPlaneEndpoint: \"[fd00::10]\"\n", cp), "a");
  EXPECT_EQ(v6.endpointHostPort(), "[fd00::10]:6443");
  EXPECT_EQ(v6.endpointHost(), "fd00::10");
  EXPECT_EQ(parseInventory(inv("  controlPlaneEndpoint: \"[FD00::10]:7443\"\n", cp), "a").endpointHostPort(),
            "[fd00::10]:7443");
}

TEST(Inventory, FullSpecRead) {
  std::string spec =
      "  clusterName: prod\n"
      "  networking: {podSubnet: \"\", serviceSubnet: 10.128.0.0/16, dnsDomain: k8s.example.com}\n"
      "  etcd: {dataDir: /data/etcd, serverCertSANs: [etcd.example.com], peerCertSANs: [10.0.0.50],\n"
      "         extraArgs: {quota-backend-bytes: \"8589934592\"}, imageTag: 3.5.15-0}\n"
      "  apiServer: {bindPort: 8443, certSANs: [\"*.example.com\", 192.0.2.1], extraArgs: {v: \"2\"}}\n"
      "  controllerManager: {extraArgs: {node-monitor-grace-period: 40s}}\n"
      "  scheduler: {extraArgs: {v: \"4\"}}\n"
      "  pki: {keyAlgorithm: ecdsa-p256, certValidityDays: 90, caValidityDays: 1000, renewBeforeDays: 10}\n"
      "  images: {repository: registry.example.com:5000/k8s}\n"
      "  ssh: {user: deploy, port: 2222, hostKeys: accept-new, concurrency: 5, connectTimeout: 1m30s,\n"
      "        commandTimeout: 1h, bastion: {address: bastion.example.com}}\n"
      "  backups: {dir: /srv/backups, keep: 3}\n"
      "  upgrade: {strategy: cluster-replacement, maxUnavailableWorkers: 2, drainTimeout: 90s}\n";
  std::string pools = pool("cp", "control-plane", 1, 0) +
                      "    - name: gpu\n      role: worker\n      labels: {node.example.com/gpu: \"true\", tier: \"\"}\n"
                      "      taints: [{key: nvidia.com/gpu, effect: NoSchedule}, {key: a, value: b, effect: NoExecute}]\n"
                      "      hosts: [{name: g1, address: \"fd00::21\"}]\n";
  Cluster c = parseInventory(inv(spec, pools), "f.yaml");
  EXPECT_EQ(c.clusterName, "prod");
  EXPECT_EQ(c.networking.podSubnet, "");
  EXPECT_EQ(c.networking.dnsDomain, "k8s.example.com");
  EXPECT_EQ(c.etcd.dataDir, "/data/etcd");
  EXPECT_EQ(c.etcd.serverCertSANs, std::vector<std::string>{"etcd.example.com"});
  EXPECT_EQ(c.etcd.peerCertSANs, std::vector<std::string>{"10.0.0.50"});
  EXPECT_EQ(c.etcd.extraArgs.at("quota-backend-bytes"), "8589934592");
  EXPECT_EQ(c.etcd.imageTag, "3.5.15-0");
  EXPECT_EQ(c.apiServer.bindPort, 8443);
  EXPECT_EQ(c.apiServer.certSANs.size(), 2u);
  EXPECT_EQ(c.apiServer.extraArgs.at("v"), "2");
  EXPECT_EQ(c.controllerManager.extraArgs.at("node-monitor-grace-period"), "40s");
  EXPECT_EQ(c.scheduler.extraArgs.at("v"), "4");
  EXPECT_EQ(c.pki.keyAlgorithm, KeyAlgorithm::EcdsaP256);
  EXPECT_EQ(c.pki.certValidityDays, 90);
  EXPECT_EQ(c.pki.renewBeforeDays, 10);
  EXPECT_EQ(c.images.repository, "registry.example.com:5000/k8s");
  EXPECT_EQ(c.ssh.user, "deploy");
  EXPECT_EQ(c.ssh.port, 2222);
  EXPECT_EQ(c.ssh.hostKeys, HostKeyPolicy::AcceptNew);
  EXPECT_EQ(c.ssh.connectTimeoutSeconds, 90);
  EXPECT_EQ(c.ssh.commandTimeoutSeconds, 3600);
  ASSERT_TRUE(c.ssh.bastion);
  EXPECT_EQ(c.ssh.bastion->address, "bastion.example.com");
  EXPECT_EQ(c.ssh.bastion->user, "deploy");  // defaults to spec.ssh.user
  EXPECT_EQ(c.ssh.bastion->port, 22);
  EXPECT_EQ(c.backups.keep, 3);
  EXPECT_EQ(c.upgrade.strategy, UpgradeStrategy::ClusterReplacement);
  EXPECT_EQ(c.upgrade.maxUnavailableWorkers, 2);
  EXPECT_EQ(c.upgrade.drainTimeoutSeconds, 90);
  const NodePool* gpu = c.findPool("gpu");
  ASSERT_TRUE(gpu);
  EXPECT_EQ(gpu->labels.at("node.example.com/gpu"), "true");
  EXPECT_EQ(gpu->labels.at("tier"), "");
  ASSERT_EQ(gpu->taints.size(), 2u);
  EXPECT_EQ(gpu->taints[0].key, "nvidia.com/gpu");
  EXPECT_EQ(gpu->taints[0].value, "");
  EXPECT_EQ(gpu->taints[1].effect, "NoExecute");
  EXPECT_EQ(c.findHost("g1")->address, "fd00::21");
}

TEST(Inventory, SupportedVersionRange) {
  auto cp = pool("cp", "control-plane", 1, 0);
  for (const char* v : {"v1.29.0", "v1.30.6", "v1.32.0"}) {
    std::string text = inv("", cp);
    text.replace(text.find("v1.31.2"), 7, v);
    EXPECT_EQ(parseInventory(text, "v.yaml").kubernetesVersion.str(), v);
  }
  for (const char* v : {"v1.28.15", "v1.32.9", "v1.33.0", "v2.0.0"}) {
    std::string text = inv("", cp);
    text.replace(text.find("v1.31.2"), 7, v);
    EXPECT_THROW(parseInventory(text, "v.yaml"), Error) << v;
  }
}

TEST(Inventory, WarnsAboutEvenAndLargeEtcdClusters) {
  Cluster two = parseInventory(inv("  controlPlaneEndpoint: 10.0.0.100\n", pool("cp", "control-plane", 2, 0)), "w.yaml");
  ASSERT_EQ(two.warnings.size(), 1u);
  EXPECT_EQ(two.warnings[0],
            "w.yaml:8:7: an even number of etcd members (2) tolerates no more failures than 1; use 3 or 5");

  Cluster four = parseInventory(inv("  etcd: {topology: external}\n  controlPlaneEndpoint: 10.0.0.100\n",
                                    pool("cp", "control-plane", 1, 0) + pool("etcd", "etcd", 4, 2)),
                                "w.yaml");
  ASSERT_EQ(four.warnings.size(), 1u);
  EXPECT_EQ(four.warnings[0],
            "w.yaml:13:7: an even number of etcd members (4) tolerates no more failures than 3; use 3 or 5");

  Cluster nine = parseInventory(inv("  etcd: {topology: external}\n",
                                    pool("cp", "control-plane", 1, 0) + pool("etcd", "etcd", 9, 2)),
                                "w.yaml");
  ASSERT_EQ(nine.warnings.size(), 1u);
  EXPECT_EQ(nine.warnings[0], "w.yaml:12:7: 9 etcd members are more than 7; every member slows down writes, use 3 or 5");

  Cluster one = parseInventory(inv("", pool("cp", "control-plane", 1, 0)), "w.yaml");
  EXPECT_TRUE(one.warnings.empty());  // a single control-plane host is fine
}

TEST(Inventory, WarnsAboutHaWithoutEndpoint) {
  Cluster c = parseInventory(inv("", pool("cp", "control-plane", 3, 0)), "w.yaml");
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0],
            "w.yaml:5:3: 3 control-plane hosts but no spec.controlPlaneEndpoint: clients and kubelets will use cp1 "
            "(10.0.0.1) only; set it to a load balancer or virtual IP");
}

TEST(Inventory, MissingFileIsInvalidInput) {
  try {
    loadInventory("/nonexistent/kforge.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::InvalidInput);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/kforge.yaml"), std::string::npos);
  }
}

TEST(Duration, Parses) {
  EXPECT_EQ(parseDurationSeconds("90s"), 90);
  EXPECT_EQ(parseDurationSeconds("5m"), 300);
  EXPECT_EQ(parseDurationSeconds("1h30m"), 5400);
  EXPECT_EQ(parseDurationSeconds("1h30m15s"), 5415);
  EXPECT_EQ(parseDurationSeconds("30m1h"), 5400);
  EXPECT_EQ(parseDurationSeconds("0s"), 0);
  for (const char* bad : {"", "5", "m", "1.5h", "500ms", "5 m", "1h1h", "-5m", "5d", "99999999999h", "1H"})
    EXPECT_FALSE(parseDurationSeconds(bad)) << bad;
}

TEST(Duration, Formats) {
  EXPECT_EQ(formatDuration(300), "5m");
  EXPECT_EQ(formatDuration(5400), "1h30m");
  EXPECT_EQ(formatDuration(90), "1m30s");
  EXPECT_EQ(formatDuration(0), "0s");
  for (int s : {1, 59, 60, 3599, 3600, 86400, 90061}) EXPECT_EQ(parseDurationSeconds(formatDuration(s)), s);
}

TEST(K8sNames, LabelsAndSans) {
  EXPECT_TRUE(isQualifiedName("tier"));
  EXPECT_TRUE(isQualifiedName("node.kubernetes.io/role"));
  EXPECT_TRUE(isQualifiedName("Under_score.ok"));
  EXPECT_FALSE(isQualifiedName(""));
  EXPECT_FALSE(isQualifiedName("-tier"));
  EXPECT_FALSE(isQualifiedName("a/b/c"));
  EXPECT_FALSE(isQualifiedName("Example.com/x"));
  EXPECT_FALSE(isQualifiedName(std::string(64, 'a')));
  EXPECT_TRUE(isLabelValue(""));
  EXPECT_TRUE(isLabelValue("v1.2_x"));
  EXPECT_FALSE(isLabelValue("a b"));
  EXPECT_FALSE(isLabelValue("x-"));
  EXPECT_TRUE(isWildcardDnsName("*.example.com"));
  EXPECT_FALSE(isWildcardDnsName("*example.com"));
  EXPECT_FALSE(isWildcardDnsName("a.*.example.com"));
}

// kubeadm's nodeRegistration.taints: an absent `taints` key and `taints: []` mean different things for a
// control-plane pool (kubeadm's default NoSchedule taint, or none); the loader keeps the difference.
TEST(Inventory, TaintsKeyPresentEvenWhenEmptyIsRecorded) {
  Cluster c = parseInventory(inv("", "    - name: cp\n      role: control-plane\n      taints: []\n      hosts: [{name: cp1, address: 10.0.1.1}]\n"
                                     "    - name: w\n      role: worker\n      hosts: [{name: w1, address: 10.0.2.1}]\n"),
                             "f.yaml");
  EXPECT_TRUE(c.findPool("cp")->taintsSet);
  EXPECT_TRUE(c.findPool("cp")->taints.empty());
  EXPECT_FALSE(c.findPool("w")->taintsSet);
}

// spec.proxy: the environment kubeadm copies into the control-plane pods and kube-proxy, sorted by name.
TEST(Inventory, ProxyEnvironment) {
  const std::string cp = pool("cp", "control-plane", 1, 0);
  Cluster none = parseInventory(inv("", cp), "p.yaml");
  EXPECT_TRUE(none.proxy.env().empty());
  Cluster c = parseInventory(
      inv("  proxy: {noProxy: '10.0.0.0/8,.svc', httpProxy: 'http://proxy:3128', httpsProxy: 'http://proxy:3129'}\n", cp),
      "p.yaml");
  std::vector<std::pair<std::string, std::string>> want{
      {"HTTPS_PROXY", "http://proxy:3129"}, {"HTTP_PROXY", "http://proxy:3128"}, {"NO_PROXY", "10.0.0.0/8,.svc"}};
  EXPECT_EQ(c.proxy.env(), want);
  try {
    parseInventory(inv("  proxy: {httpProxy: \"http://a\\x1bb\"}\n", cp), "p.yaml");
    ADD_FAILURE() << "an escape character in a proxy value was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("p.yaml:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("spec.proxy.httpProxy must be one line"), std::string::npos) << e.what();
  }
  try {
    parseInventory(inv("  proxy: {ftpProxy: x}\n", cp), "p.yaml");
    ADD_FAILURE() << "an unknown key was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ftpProxy"), std::string::npos) << e.what();
  }
}
