#include "tests/tools/kubeadm_diff/kubeadm_config.hpp"

#include <sstream>

#include "bootstrap/static_pod.hpp"

namespace kforge::kubeadmdiff {

std::string toString(NodeRole r) {
  switch (r) {
    case NodeRole::InitControlPlane: return "control-plane-init";
    case NodeRole::JoinControlPlane: return "control-plane-join";
    case NodeRole::EtcdMember: return "etcd";
    case NodeRole::Worker: return "worker";
  }
  return "?";
}

namespace {

std::string q(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

void args(std::ostringstream& o, const std::string& indent, const std::map<std::string, std::string>& a) {
  if (a.empty()) return;
  o << indent << "extraArgs:\n";
  for (const auto& [k, v] : a) o << indent << "- name: " << q(k) << "\n" << indent << "  value: " << q(v) << "\n";
}

void list(std::ostringstream& o, const std::string& indent, const std::string& key, const std::vector<std::string>& v) {
  if (v.empty()) return;
  o << indent << key << ":\n";
  for (const auto& s : v) o << indent << "- " << q(s) << "\n";
}

std::string algorithm(KeyAlgorithm a) {
  switch (a) {
    case KeyAlgorithm::Rsa2048: return "RSA-2048";
    case KeyAlgorithm::Rsa3072: return "RSA-3072";
    case KeyAlgorithm::Rsa4096: return "RSA-4096";
    case KeyAlgorithm::EcdsaP256: return "ECDSA-P256";
  }
  return "?";
}

}  // namespace

std::string kubeadmConfig(const Cluster& c, const Host& h, NodeRole role) {
  std::ostringstream o;
  o << "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n";
  if (role == NodeRole::InitControlPlane)
    o << "bootstrapTokens:\n- token: " << q(kBootstrapToken) << "\n  description: \"kforge bootstrap token\"\n  ttl: 24h0m0s\n";
  o << "localAPIEndpoint:\n  advertiseAddress: " << q(h.address) << "\n  bindPort: " << c.apiServer.bindPort << "\n";
  o << "nodeRegistration:\n  name: " << q(h.name) << "\n  criSocket: unix:///run/containerd/containerd.sock\n";
  // kforge passes the inventory address as the kubelet's --node-ip; a kubeadm user does it with kubeletExtraArgs.
  o << "  kubeletExtraArgs:\n  - name: node-ip\n    value: " << q(h.address) << "\n";
  o << "---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n";
  o << "kubernetesVersion: " << c.kubernetesVersion.str() << "\n";
  o << "clusterName: " << q(c.clusterName) << "\n";
  // A worker joins through the endpoint (without one, the first control plane, as `kubeadm join <cp1>:<port>`):
  // its kubelet.conf (`kubeadm kubeconfig user`) points there.
  if (!c.controlPlaneEndpoint.empty()) o << "controlPlaneEndpoint: " << q(c.controlPlaneEndpoint) << "\n";
  else if (role == NodeRole::Worker) o << "controlPlaneEndpoint: " << q(c.endpointHostPort()) << "\n";
  o << "certificatesDir: /etc/kubernetes/pki\n";
  o << "imageRepository: " << q(c.images.repository) << "\n";
  o << "encryptionAlgorithm: " << algorithm(c.pki.keyAlgorithm) << "\n";
  o << "certificateValidityPeriod: " << c.pki.certValidityDays * 24 << "h0m0s\n";
  o << "caCertificateValidityPeriod: " << c.pki.caValidityDays * 24 << "h0m0s\n";
  o << "networking:\n  serviceSubnet: " << q(c.networking.serviceSubnet) << "\n  dnsDomain: " << q(c.networking.dnsDomain) << "\n";
  if (!c.networking.podSubnet.empty()) o << "  podSubnet: " << q(c.networking.podSubnet) << "\n";
  o << "etcd:\n";
  if (c.etcd.topology == EtcdTopology::External && role != NodeRole::EtcdMember) {
    o << "  external:\n    endpoints:\n";
    for (const Host* e : c.etcdHosts()) o << "    - " << q(urlFor("https", e->address, 2379)) << "\n";
    o << "    caFile: /etc/kubernetes/pki/etcd/ca.crt\n"
         "    certFile: /etc/kubernetes/pki/apiserver-etcd-client.crt\n"
         "    keyFile: /etc/kubernetes/pki/apiserver-etcd-client.key\n";
  } else {
    o << "  local:\n    dataDir: " << q(c.etcd.dataDir) << "\n";
    if (!c.etcd.imageTag.empty()) o << "    imageTag: " << q(c.etcd.imageTag) << "\n";
    list(o, "    ", "serverCertSANs", c.etcd.serverCertSANs);
    list(o, "    ", "peerCertSANs", c.etcd.peerCertSANs);
    args(o, "    ", c.etcd.extraArgs);
  }
  o << "apiServer:\n";
  list(o, "  ", "certSANs", c.apiServer.certSANs);
  args(o, "  ", c.apiServer.extraArgs);
  o << "controllerManager:\n";
  args(o, "  ", c.controllerManager.extraArgs);
  o << "scheduler:\n";
  args(o, "  ", c.scheduler.extraArgs);
  return o.str();
}

std::string skipPhases(NodeRole role, bool apiServerEtcdClient) {
  const std::string always = "preflight,wait-control-plane,upload-certs,mark-control-plane,kubelet-finalize,show-join-command";
  const std::string cluster = "upload-config,bootstrap-token,addon";
  switch (role) {
    case NodeRole::InitControlPlane: return always;
    case NodeRole::JoinControlPlane: return always + "," + cluster + ",kubeconfig/super-admin";
    case NodeRole::EtcdMember:
      return always + "," + cluster +
             ",certs/ca,certs/apiserver,certs/apiserver-kubelet-client,certs/front-proxy-ca,certs/front-proxy-client," +
             (apiServerEtcdClient ? "" : "certs/apiserver-etcd-client,") + "certs/sa,kubeconfig,control-plane";
    case NodeRole::Worker:
      return always + "," + cluster +
             ",certs/apiserver,certs/apiserver-kubelet-client,certs/front-proxy-ca,certs/front-proxy-client,certs/etcd-ca,"
             "certs/etcd-server,certs/etcd-peer,certs/etcd-healthcheck-client,certs/apiserver-etcd-client,certs/sa,"
             "kubeconfig,etcd,control-plane";  // its kubelet.conf comes from `kubeadm kubeconfig user`
  }
  return always;
}

}  // namespace kforge::kubeadmdiff
