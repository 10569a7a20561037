// Addon objects: the fields kubeadm-compatible tools and joining nodes rely on.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include <set>

#include "addons_test_util.hpp"
#include "bootstrap/addons.hpp"
#include "bootstrap/manifests.hpp"
#include "core/base64.hpp"
#include "core/error.hpp"
#include "kube/paths.hpp"
#include "manifest_clusters.hpp"

using namespace kforge;
using nlohmann::json;

namespace {

const json* find(const std::vector<json>& objs, const std::string& kind, const std::string& name) {
  for (const auto& o : objs)
    if (o["kind"] == kind && o["metadata"]["name"] == name) return &o;
  return nullptr;
}

std::string b64(const json& v) { return base64DecodeOrThrow(v.get<std::string>(), "test"); }

TEST(Addons, DnsServiceOnTheTenthServiceAddress) {
  auto objs = corednsObjects(testclusters::stackedHa());
  const json* svc = find(objs, "Service", "kube-dns");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ((*svc)["spec"]["clusterIP"], "10.96.0.10");
  auto custom = corednsObjects(testclusters::extraArgs());  // serviceSubnet 10.112.0.0/12
  EXPECT_EQ((*find(custom, "Service", "kube-dns"))["spec"]["clusterIP"], "10.112.0.10");
}

TEST(Addons, CorednsDeploymentImageReplicasAndCorefile) {
  auto objs = corednsObjects(testclusters::stackedHa());
  const json& d = *find(objs, "Deployment", "coredns");
  EXPECT_EQ(d["spec"]["replicas"], 2);
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["image"], "registry.k8s.io/coredns/coredns:v1.11.3");
  EXPECT_EQ(corednsObjects(testclusters::stackedHa(), 3)[4]["spec"]["replicas"], 3);
  auto custom = corednsObjects(testclusters::extraArgs());
  EXPECT_EQ((*find(custom, "Deployment", "coredns"))["spec"]["template"]["spec"]["containers"][0]["image"],
            "registry.example.com/k8s/coredns:v1.11.3");
  const std::string corefile = (*find(custom, "ConfigMap", "coredns"))["data"]["Corefile"];
  EXPECT_NE(corefile.find("kubernetes corp.example in-addr.arpa ip6.arpa {"), std::string::npos);
  EXPECT_NE(corefile.find("    cache 30\n"), std::string::npos);  // 1.31: before the "disable" block (1.32)
  auto v132 = testclusters::extraArgs();
  v132.kubernetesVersion = *Version::parse("v1.32.0");
  EXPECT_NE(renderCorefile(v132).find("disable success corp.example"), std::string::npos);
}

TEST(Addons, KubeProxyClusterCidrImageAndServer) {
  const Cluster c = testclusters::stackedHa();
  auto objs = kubeProxyObjects(c);
  const json& cm = *find(objs, "ConfigMap", "kube-proxy");
  YAML::Node conf = YAML::Load(cm["data"]["config.conf"].get<std::string>());
  EXPECT_EQ(conf["clusterCIDR"].as<std::string>(), "10.244.0.0/16");
  EXPECT_EQ(conf["kind"].as<std::string>(), "KubeProxyConfiguration");
  EXPECT_EQ(conf["clientConnection"]["kubeconfig"].as<std::string>(), "/var/lib/kube-proxy/kubeconfig.conf");
  YAML::Node kc = YAML::Load(cm["data"]["kubeconfig.conf"].get<std::string>());
  EXPECT_EQ(kc["clusters"][0]["cluster"]["server"].as<std::string>(), "https://10.0.0.10:6443");
  const json& ds = *find(objs, "DaemonSet", "kube-proxy");
  EXPECT_EQ(ds["spec"]["template"]["spec"]["containers"][0]["image"], "registry.k8s.io/kube-proxy:v1.31.2");

  Cluster custom = testclusters::extraArgs();  // podSubnet 192.168.0.0/16, no endpoint: cp1:8443
  auto cobjs = kubeProxyObjects(custom);
  const json& ccm = *find(cobjs, "ConfigMap", "kube-proxy");
  EXPECT_EQ(YAML::Load(ccm["data"]["config.conf"].get<std::string>())["clusterCIDR"].as<std::string>(), "192.168.0.0/16");
  EXPECT_EQ(YAML::Load(ccm["data"]["kubeconfig.conf"].get<std::string>())["clusters"][0]["cluster"]["server"].as<std::string>(),
            "https://10.0.0.11:8443");
  EXPECT_EQ((*find(cobjs, "DaemonSet", "kube-proxy"))["spec"]["template"]["spec"]["containers"][0]["image"],
            "registry.example.com/k8s/kube-proxy:v1.31.2");
}

TEST(Addons, BootstrapTokenSecretFields) {
  json s = bootstrapTokenSecret("abcdef.0123456789abcdef",
                                std::chrono::system_clock::time_point(std::chrono::seconds(1893456000)), "for w1");
  EXPECT_EQ(s["metadata"]["name"], "bootstrap-token-abcdef");
  EXPECT_EQ(s["metadata"]["namespace"], "kube-system");
  EXPECT_EQ(s["type"], "bootstrap.kubernetes.io/token");
  const json& d = s["data"];
  EXPECT_EQ(b64(d["token-id"]), "abcdef");
  EXPECT_EQ(b64(d["token-secret"]), "0123456789abcdef");
  EXPECT_EQ(b64(d["expiration"]), "2030-01-01T00:00:00Z");
  EXPECT_EQ(b64(d["description"]), "for w1");
  EXPECT_EQ(b64(d["usage-bootstrap-authentication"]), "true");
  EXPECT_EQ(b64(d["usage-bootstrap-signing"]), "true");
  EXPECT_EQ(b64(d["auth-extra-groups"]), "system:bootstrappers:kubeadm:default-node-token");
  EXPECT_EQ(d.size(), 7u);

  json noExpiry = bootstrapTokenSecret("abcdef.0123456789abcdef", std::nullopt);
  EXPECT_FALSE(noExpiry["data"].contains("expiration"));
  EXPECT_FALSE(noExpiry["data"].contains("description"));
  EXPECT_THROW(bootstrapTokenSecret("ABCDEF.0123456789abcdef", std::nullopt), Error);
  EXPECT_THROW(bootstrapTokenSecret("abcdef0123456789abcdef", std::nullopt), Error);
}

TEST(Addons, ClusterInfoHoldsOnlyTheCluster) {
  const json cm = clusterInfoConfigMap(testclusters::stackedHa(), testaddons::kFakeCaPem);
  EXPECT_EQ(cm["metadata"]["namespace"], "kube-public");
  YAML::Node kc = YAML::Load(cm["data"]["kubeconfig"].get<std::string>());
  EXPECT_EQ(kc["clusters"][0]["cluster"]["server"].as<std::string>(), "https://10.0.0.10:6443");
  EXPECT_EQ(base64DecodeOrThrow(kc["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>(), "ca"),
            testaddons::kFakeCaPem);
  EXPECT_TRUE(kc["users"].IsNull());
  EXPECT_TRUE(kc["contexts"].IsNull());
  EXPECT_THROW(clusterInfoConfigMap(testclusters::stackedHa(), ""), Error);
}

TEST(Addons, ClusterConfigurationFromTheInventory) {
  YAML::Node cc = YAML::Load(renderClusterConfiguration(testclusters::stackedHa()));
  EXPECT_EQ(cc["apiVersion"].as<std::string>(), "kubeadm.k8s.io/v1beta4");
  EXPECT_EQ(cc["kubernetesVersion"].as<std::string>(), "v1.31.2");
  EXPECT_EQ(cc["controlPlaneEndpoint"].as<std::string>(), "10.0.0.10:6443");
  EXPECT_EQ(cc["etcd"]["local"]["dataDir"].as<std::string>(), "/var/lib/etcd");
  EXPECT_EQ(cc["networking"]["podSubnet"].as<std::string>(), "10.244.0.0/16");
  EXPECT_EQ(cc["certificateValidityPeriod"].as<std::string>(), "8760h0m0s");
  EXPECT_EQ(cc["caCertificateValidityPeriod"].as<std::string>(), "87600h0m0s");

  YAML::Node ext = YAML::Load(renderClusterConfiguration(testclusters::externalEtcd()));
  EXPECT_EQ(ext["etcd"]["external"]["endpoints"].size(), 3u);
  EXPECT_EQ(ext["etcd"]["external"]["endpoints"][0].as<std::string>(), "https://10.0.1.11:2379");
  EXPECT_FALSE(ext["controlPlaneEndpoint"]);  // not set in the inventory: not written, as kubeadm

  YAML::Node extra = YAML::Load(renderClusterConfiguration(testclusters::extraArgs()));
  EXPECT_EQ(extra["clusterName"].as<std::string>(), "prod-eu1");
  EXPECT_EQ(extra["imageRepository"].as<std::string>(), "registry.example.com/k8s");
  EXPECT_EQ(extra["apiServer"]["extraArgs"][0]["name"].as<std::string>(), "audit-log-path");  // sorted name/value list
  EXPECT_EQ(extra["etcd"]["local"]["dataDir"].as<std::string>(), "/data/etcd");

  YAML::Node old = YAML::Load(renderClusterConfiguration(testclusters::single129()));
  EXPECT_EQ(old["apiVersion"].as<std::string>(), "kubeadm.k8s.io/v1beta3");
  EXPECT_FALSE(old["certificateValidityPeriod"]);
}

TEST(Addons, RbacNamesMatchKubeadm) {
  auto objs = addonObjects(testclusters::stackedHa(), testaddons::options());
  const json* admins = find(objs, "ClusterRoleBinding", "kubeadm:cluster-admins");
  ASSERT_NE(admins, nullptr);
  EXPECT_EQ((*admins)["roleRef"]["name"], "cluster-admin");
  EXPECT_EQ((*admins)["subjects"][0]["name"], "kubeadm:cluster-admins");
  for (const char* crb : {"kubeadm:get-nodes", "kubeadm:kubelet-bootstrap", "kubeadm:node-autoapprove-bootstrap",
                          "kubeadm:node-autoapprove-certificate-rotation", "kubeadm:node-proxier", "system:coredns"})
    EXPECT_NE(find(objs, "ClusterRoleBinding", crb), nullptr) << crb;
  EXPECT_NE(find(objs, "ClusterRole", "kubeadm:get-nodes"), nullptr);
  const json* ci = find(objs, "RoleBinding", "kubeadm:bootstrap-signer-clusterinfo");
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ((*ci)["metadata"]["namespace"], "kube-public");
  EXPECT_EQ((*ci)["subjects"][0]["name"], "system:anonymous");
}

TEST(Addons, ApplyOrderAndUniqueness) {
  auto objs = addonObjects(testclusters::stackedHa(), testaddons::options());
  EXPECT_EQ(objs[0]["kind"], "Namespace");
  EXPECT_EQ(objs[1]["kind"], "Namespace");
  // Every RBAC object precedes every workload; every object has a distinct REST path.
  size_t lastRbac = 0, firstWorkload = objs.size();
  std::set<std::string> paths;
  for (size_t i = 0; i < objs.size(); ++i) {
    const std::string kind = objs[i]["kind"];
    if (kind == "ClusterRoleBinding" && objs[i]["metadata"]["name"].get<std::string>().rfind("kubeadm:", 0) == 0 &&
        objs[i]["metadata"]["name"] != "kubeadm:node-proxier")
      lastRbac = i;
    if ((kind == "Deployment" || kind == "DaemonSet") && i < firstWorkload) firstWorkload = i;
    EXPECT_TRUE(paths.insert(kube::objectPath(objs[i])).second) << kube::objectPath(objs[i]);
  }
  EXPECT_LT(lastRbac, firstWorkload);
  // Without token / kube-proxy / CoreDNS.
  AddonOptions o = testaddons::options();
  o.bootstrapToken.clear();
  o.kubeProxy = false;
  o.coreDns = false;
  auto minimal = addonObjects(testclusters::stackedHa(), o);
  for (const auto& obj : minimal) {
    EXPECT_NE(obj["kind"], "Secret");
    EXPECT_NE(obj["kind"], "DaemonSet");
    EXPECT_NE(obj["kind"], "Deployment");
  }
}

TEST(Addons, KubeletConfigMapIsTheKubeletConfig) {
  const Cluster c = testclusters::stackedHa();
  EXPECT_EQ(kubeletConfigMap(c)["data"]["kubelet"], renderKubeletConfig(c));
  EXPECT_EQ(kubeletConfigMap(c)["metadata"]["name"], "kubelet-config");
}

}  // namespace

TEST(Addons, ApiServerKubeletClientBindingWhereKubeadmCreatesIt) {
  // kubeadm 1.33.12+, 1.36.1+, 1.37: ClusterRoleBinding kubeadm:apiserver-kubelet-client (bootstrap-token phase).
  auto objs = [](const char* v) { return addonObjects(testclusters::singleNode(v), testaddons::options()); };
  EXPECT_EQ(find(objs("v1.35.4"), "ClusterRoleBinding", "kubeadm:apiserver-kubelet-client"), nullptr);
  auto with = objs("v1.36.1");
  const json* b = find(with, "ClusterRoleBinding", "kubeadm:apiserver-kubelet-client");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ((*b)["roleRef"]["name"], "system:kubelet-api-admin");
  EXPECT_EQ((*b)["subjects"][0]["kind"], "User");
  EXPECT_EQ((*b)["subjects"][0]["name"], "kube-apiserver-kubelet-client");
}

TEST(Addons, KubeadmConfigKeepsEcdsaForKubeadmRenewalsBeforeV1beta4) {
  // kubeadm <= 1.30 (v1beta3) renews with RSA unless featureGates.PublicKeysECDSA is set; 1.31+ reads
  // encryptionAlgorithm (v1beta4).
  auto c = testclusters::singleNode("v1.30.6");
  c.pki.keyAlgorithm = KeyAlgorithm::EcdsaP256;
  auto doc = YAML::Load(renderClusterConfiguration(c));
  EXPECT_EQ(doc["apiVersion"].as<std::string>(), "kubeadm.k8s.io/v1beta3");
  EXPECT_TRUE(doc["featureGates"]["PublicKeysECDSA"].as<bool>());
  c.pki.keyAlgorithm = KeyAlgorithm::Rsa2048;
  EXPECT_FALSE(YAML::Load(renderClusterConfiguration(c))["featureGates"]);
  c = testclusters::singleNode("v1.31.2");
  c.pki.keyAlgorithm = KeyAlgorithm::EcdsaP256;
  doc = YAML::Load(renderClusterConfiguration(c));
  EXPECT_FALSE(doc["featureGates"]);
  EXPECT_EQ(doc["encryptionAlgorithm"].as<std::string>(), "ECDSA-P256");
}

TEST(Addons, CorednsTemplatePerRelease) {
  // kubeadm's CoreDNS of each release: "cache 30 { disable ... }" from 1.32, named probe ports from 1.34.
  auto deploymentAndCorefile = [](const char* v) {
    auto objs = corednsObjects(testclusters::singleNode(v));
    return std::pair{*find(objs, "Deployment", "coredns"), renderCorefile(testclusters::singleNode(v))};
  };
  auto [d131, f131] = deploymentAndCorefile("v1.31.2");
  EXPECT_NE(f131.find("    cache 30\n    loop\n"), std::string::npos);
  auto [d133, f133] = deploymentAndCorefile("v1.33.13");
  EXPECT_NE(f133.find("    cache 30 {\n       disable success cluster.local\n"), std::string::npos);
  const json& c133 = d133["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c133["livenessProbe"]["httpGet"]["port"], 8080);
  EXPECT_EQ(c133["readinessProbe"]["httpGet"]["port"], 8181);
  EXPECT_EQ(c133["ports"].size(), 3u);
  auto [d134, f134] = deploymentAndCorefile("v1.34.0");
  const json& c134 = d134["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c134["livenessProbe"]["httpGet"]["port"], "liveness-probe");
  EXPECT_EQ(c134["readinessProbe"]["httpGet"]["port"], "readiness-probe");
  EXPECT_EQ(c134["ports"].size(), 5u);
}
