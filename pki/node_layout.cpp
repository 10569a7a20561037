#include "pki/node_layout.hpp"

#include "core/fs.hpp"

namespace kforge::pki {

NodeLayout NodeLayout::hostRoot(const std::string& root) {
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  std::string k = (r == "/" ? "" : r) + "/etc/kubernetes";
  return {k + "/pki", k, k + "/pki", true, NodeKind::Auto};
}

NodeLayout NodeLayout::stateHost(const std::string& stateDir, const std::string& host) {
  std::string h = stateDir + "/hosts/" + host;
  return {h + "/pki", h, stateDir + "/pki", false, NodeKind::Auto};
}

NodeLayout NodeLayout::stateAdmin(const std::string& stateDir) {
  return {stateDir + "/pki", stateDir, stateDir + "/pki", false, NodeKind::AdminOnly};
}

NodeKind NodeLayout::resolvedKind() const {
  if (kind != NodeKind::Auto) return kind;
  auto has = [](const std::string& p) { return fileExists(p); };
  bool cp = has(pkiDir + "/apiserver.crt") || has(kubeconfigDir + "/admin.conf") ||
            has(kubeconfigDir + "/controller-manager.conf") || has(kubeconfigDir + "/scheduler.conf") ||
            has(kubeconfigDir + "/manifests/kube-apiserver.yaml");
  bool etcd = has(pkiDir + "/etcd/server.crt") || has(pkiDir + "/etcd/peer.crt") ||
              has(kubeconfigDir + "/manifests/etcd.yaml");
  if (cp) return etcd ? NodeKind::ControlPlaneStacked : NodeKind::ControlPlaneExternal;
  return etcd ? NodeKind::Etcd : NodeKind::Worker;
}

const std::vector<KnownCert>& allKnownCerts() {
  static const std::vector<KnownCert> certs = {
      {"admin.conf", "admin.conf", "ca", true,
       "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself", ""},
      {"apiserver", "apiserver", "ca", false, "certificate for serving the Kubernetes API", "kube-apiserver"},
      {"apiserver-etcd-client", "apiserver-etcd-client", "etcd/ca", false,
       "certificate the apiserver uses to access etcd", "kube-apiserver"},
      {"apiserver-kubelet-client", "apiserver-kubelet-client", "ca", false,
       "certificate for the API server to connect to kubelet", "kube-apiserver"},
      {"controller-manager.conf", "controller-manager.conf", "ca", true,
       "certificate embedded in the kubeconfig file for the controller manager to use", "kube-controller-manager"},
      {"etcd-healthcheck-client", "etcd/healthcheck-client", "etcd/ca", false,
       "certificate for liveness probes to healthcheck etcd", "etcd"},
      {"etcd-peer", "etcd/peer", "etcd/ca", false, "certificate for etcd nodes to communicate with each other", "etcd"},
      {"etcd-server", "etcd/server", "etcd/ca", false, "certificate for serving etcd", "etcd"},
      {"front-proxy-client", "front-proxy-client", "front-proxy-ca", false, "certificate for the front proxy client",
       "kube-apiserver"},
      {"scheduler.conf", "scheduler.conf", "ca", true,
       "certificate embedded in the kubeconfig file for the scheduler manager to use", "kube-scheduler"},
      {"super-admin.conf", "super-admin.conf", "ca", true,
       "certificate embedded in the kubeconfig file for the super-admin", ""},
  };
  return certs;
}

std::vector<KnownCert> knownCertsFor(NodeKind kind) {
  std::vector<KnownCert> out;
  for (const auto& k : allKnownCerts()) {
    bool etcdLocal = k.baseName.rfind("etcd/", 0) == 0;
    switch (kind) {
      case NodeKind::Auto:
      case NodeKind::ControlPlaneStacked: out.push_back(k); break;
      case NodeKind::ControlPlaneExternal:
        if (!etcdLocal) out.push_back(k);
        break;
      case NodeKind::Etcd:
        if (etcdLocal) out.push_back(k);
        break;
      case NodeKind::Worker: break;
      case NodeKind::AdminOnly:
        if (k.name == "admin.conf") out.push_back(k);
        break;
    }
  }
  return out;
}

std::vector<std::string> knownCasFor(NodeKind kind) {
  switch (kind) {
    case NodeKind::Etcd: return {"etcd/ca"};
    case NodeKind::Worker:
    case NodeKind::AdminOnly: return {"ca"};
    default: return {"ca", "etcd/ca", "front-proxy-ca"};
  }
}

bool caKeyExpected(const NodeLayout& l, NodeKind kind, const std::string& caBase) {
  if (!l.onNode) return true;  // the state dir keeps every CA key kforge owns
  switch (kind) {
    case NodeKind::ControlPlaneStacked:
    case NodeKind::Auto: return true;
    case NodeKind::ControlPlaneExternal: return caBase != "etcd/ca";
    default: return false;
  }
}

std::string certPath(const NodeLayout& l, const KnownCert& k) {
  return k.kubeconfig ? l.kubeconfigDir + "/" + k.baseName : l.pkiDir + "/" + k.baseName + ".crt";
}

std::string keyPath(const NodeLayout& l, const KnownCert& k) {
  return k.kubeconfig ? std::string() : l.pkiDir + "/" + k.baseName + ".key";
}

}  // namespace kforge::pki
