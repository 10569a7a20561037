// What kubeadm's upload-config and bootstrap-token phases store: kube-system/kubeadm-config (the
// ClusterConfiguration), kube-system/kubelet-config, kube-public/cluster-info and the bootstrap token Secret.
#include <ctime>

#include "bootstrap/addons.hpp"
#include "bootstrap/addons_util.hpp"
#include "bootstrap/manifests.hpp"
#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/yaml_writer.hpp"
#include "pki/cert_specs.hpp"
#include "pki/kubeconfig.hpp"
#include "pki/token.hpp"

namespace kforge {

using nlohmann::json;
using namespace addons;
using yaml::Node;

namespace {

std::string hours(int days) { return std::to_string(days * 24) + "h0m0s"; }

std::string encryptionAlgorithm(KeyAlgorithm a) {
  switch (a) {
    case KeyAlgorithm::Rsa2048: return "RSA-2048";
    case KeyAlgorithm::Rsa3072: return "RSA-3072";
    case KeyAlgorithm::Rsa4096: return "RSA-4096";
    case KeyAlgorithm::EcdsaP256: return "ECDSA-P256";
  }
  return "RSA-2048";
}

// v1beta4: [{name, value}] sorted by name; v1beta3: a map.
Node extraArgs(const std::map<std::string, std::string>& args, bool v1beta4) {
  if (!v1beta4) {
    Node m = Node::map();
    for (const auto& [k, v] : args) m[k] = v;
    return m;
  }
  Node s = Node::seq();
  for (const auto& [k, v] : args) {
    Node a = Node::map();
    a["name"] = k;
    a["value"] = v;
    s.push(a);
  }
  return s;
}

Node component(const std::map<std::string, std::string>& args, bool v1beta4) {
  Node n = Node::map();
  if (!args.empty()) n["extraArgs"] = extraArgs(args, v1beta4);
  return n;
}

std::vector<std::string> splitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string renderClusterConfiguration(const Cluster& c) {
  const bool v1beta4 = c.kubernetesVersion >= Version{1, 31, 0, ""};
  Node doc = Node::map();
  doc["apiVersion"] = v1beta4 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta3";
  doc["kind"] = "ClusterConfiguration";

  Node& api = doc["apiServer"];
  api = Node::map();
  if (!c.apiServer.certSANs.empty()) api["certSANs"] = Node::seqOf(c.apiServer.certSANs);
  if (!c.apiServer.extraArgs.empty()) api["extraArgs"] = extraArgs(c.apiServer.extraArgs, v1beta4);
  if (!v1beta4) api["timeoutForControlPlane"] = "4m0s";

  if (v1beta4) {
    doc["caCertificateValidityPeriod"] = hours(c.pki.caValidityDays);
    doc["certificateValidityPeriod"] = hours(c.pki.certValidityDays);
    doc["encryptionAlgorithm"] = encryptionAlgorithm(c.pki.keyAlgorithm);
    doc["proxy"] = Node::map();
  }
  doc["certificatesDir"] = kPkiDir;
  doc["clusterName"] = c.clusterName;
  if (!c.controlPlaneEndpoint.empty()) doc["controlPlaneEndpoint"] = c.controlPlaneEndpoint;
  doc["controllerManager"] = component(c.controllerManager.extraArgs, v1beta4);
  doc["dns"] = Node::map();
  // v1beta3 has no encryptionAlgorithm: kubeadm 1.29/1.30 read ECDSA from the PublicKeysECDSA feature gate, and
  // renew certificates (kubeadm certs renew, upgrade) with RSA keys without it (ClusterConfiguration
  // .EncryptionAlgorithmType). kforge issued ECDSA keys: record it where kubeadm looks.
  if (!v1beta4 && c.pki.keyAlgorithm == KeyAlgorithm::EcdsaP256) doc["featureGates"]["PublicKeysECDSA"] = true;

  Node& etcd = doc["etcd"];
  if (c.etcd.topology == EtcdTopology::External) {
    Node& ext = etcd["external"];
    ext["caFile"] = std::string(kPkiDir) + "/etcd/ca.crt";
    ext["certFile"] = std::string(kPkiDir) + "/apiserver-etcd-client.crt";
    ext["keyFile"] = std::string(kPkiDir) + "/apiserver-etcd-client.key";
    ext["endpoints"] = Node::seqOf(splitComma(etcdServersFlag(c)));
    // kubeadm 1.35+ (v1beta4 ExternalEtcd.HTTPEndpoints) defaults the HTTP endpoints to the gRPC ones.
    if (c.kubernetesVersion >= Version{1, 35, 0, ""}) ext["httpEndpoints"] = Node::seqOf(splitComma(etcdServersFlag(c)));
  } else {
    Node& local = etcd["local"];
    local["dataDir"] = c.etcd.dataDir;
    if (!c.etcd.extraArgs.empty()) local["extraArgs"] = extraArgs(c.etcd.extraArgs, v1beta4);
    if (!c.etcd.imageTag.empty()) local["imageTag"] = c.etcd.imageTag;
    if (!c.etcd.peerCertSANs.empty()) local["peerCertSANs"] = Node::seqOf(c.etcd.peerCertSANs);
    if (!c.etcd.serverCertSANs.empty()) local["serverCertSANs"] = Node::seqOf(c.etcd.serverCertSANs);
  }
  doc["imageRepository"] = c.images.repository;
  doc["kubernetesVersion"] = c.kubernetesVersion.str();
  Node& net = doc["networking"];
  net["dnsDomain"] = c.networking.dnsDomain;
  if (!c.networking.podSubnet.empty()) net["podSubnet"] = c.networking.podSubnet;
  net["serviceSubnet"] = c.networking.serviceSubnet;
  doc["scheduler"] = component(c.scheduler.extraArgs, v1beta4);
  return yaml::write(doc);
}

json kubeadmConfigMap(const Cluster& c) {
  return configMap(kKubeSystem, "kubeadm-config", {{"ClusterConfiguration", renderClusterConfiguration(c)}});
}

json kubeletConfigMap(const Cluster& c) {
  // The cluster-wide KubeletConfiguration: no node's CRI endpoint (1.34+: each node's instance-config.yaml).
  json cm = configMap(kKubeSystem, "kubelet-config", {{"kubelet", renderClusterKubeletConfig(c)}});
  signConfigMap(cm);
  return cm;
}

std::string renderClusterInfoKubeconfig(const Cluster& c, const std::string& caPem) {
  if (caPem.empty()) throw Error("cluster-info: the cluster CA certificate is required");
  // clientcmd.Write of a Config holding only the cluster, under the empty name (as kubeadm uploads it).
  Node doc = Node::map();
  doc["apiVersion"] = "v1";
  Node cl = Node::map();
  cl["cluster"]["certificate-authority-data"] = base64Encode(caPem);
  cl["cluster"]["server"] = pki::endpointUrl(c);
  cl["name"] = "";
  doc["clusters"].push(cl);
  doc["contexts"] = Node::null();
  doc["current-context"] = "";
  doc["kind"] = "Config";
  if (pki::kubeconfigHasPreferences(c.kubernetesVersion)) doc["preferences"] = Node::map();
  doc["users"] = Node::null();
  return yaml::write(doc);
}

json clusterInfoConfigMap(const Cluster& c, const std::string& caPem) {
  return configMap(kKubePublic, "cluster-info", {{"kubeconfig", renderClusterInfoKubeconfig(c, caPem)}});
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json bootstrapTokenSecret(const std::string& token, std::optional<std::chrono::system_clock::time_point> expires,
                          const std::string& description) {
  if (!pki::isBootstrapToken(token))
    throw Error("bootstrap token must look like [a-z0-9]{6}.[a-z0-9]{16}", ExitCode::InvalidInput);
  const std::string id = token.substr(0, 6);
  const std::string secret = token.substr(7);
  json data = {{"token-id", base64Encode(id)},
               {"token-secret", base64Encode(secret)},
               {"usage-bootstrap-authentication", base64Encode("true")},
               {"usage-bootstrap-signing", base64Encode("true")},
               {"auth-extra-groups", base64Encode(kNodeBootstrapTokenGroup)}};
  if (expires) data["expiration"] = base64Encode(rfc3339(*expires));
  if (!description.empty()) data["description"] = base64Encode(description);
  json o = object("v1", "Secret", "bootstrap-token-" + id, kKubeSystem);
  o["type"] = "bootstrap.kubernetes.io/token";
  o["data"] = data;
  return o;
}

}  // namespace kforge
