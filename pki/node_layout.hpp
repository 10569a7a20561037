// Where one node's certificates and kubeconfigs are, and which of kubeadm's certificates that node should have.
// Used by check-expiration and renew, on a node (/etc/kubernetes), on a rendered bundle (<dir>/etc/kubernetes),
// or on the state dir (<stateDir>/hosts/<host>, CAs in <stateDir>/pki).
#pragma once
#include <string>
#include <vector>

namespace kforge::pki {

enum class NodeKind { Auto, ControlPlaneStacked, ControlPlaneExternal, Etcd, Worker, AdminOnly };

struct NodeLayout {
  std::string pkiDir;         // certificates: <root>/etc/kubernetes/pki | <state>/hosts/<h>/pki
  std::string kubeconfigDir;  // kubeconfigs:  <root>/etc/kubernetes     | <state>/hosts/<h>
  std::string caDir;          // CA certs and keys: same as pkiDir on a node | <state>/pki
  bool onNode = true;         // a node's own tree: CA keys are absent there by design on etcd hosts and workers
  NodeKind kind = NodeKind::Auto;

  static NodeLayout hostRoot(const std::string& root);  // root "/" = the node itself
  static NodeLayout stateHost(const std::string& stateDir, const std::string& host);
  static NodeLayout stateAdmin(const std::string& stateDir);  // just <state>/admin.conf
  // Auto resolved from the files present: control plane when apiserver.crt or a control-plane kubeconfig or
  // manifests/kube-apiserver.yaml exists; local (stacked) etcd when etcd/server.crt, etcd/peer.crt or
  // manifests/etcd.yaml exists.
  NodeKind resolvedKind() const;
};

// One row of kubeadm's check-expiration table / one target of renew.
struct KnownCert {
  std::string name;        // "apiserver", "etcd-server", "admin.conf"
  std::string baseName;    // "apiserver", "etcd/server", "admin.conf"
  std::string caBaseName;  // "ca" | "front-proxy-ca" | "etcd/ca"
  bool kubeconfig = false;
  std::string longName;   // kubeadm's description ("certificate for serving the Kubernetes API")
  std::string component;  // what must restart after renewal ("kube-apiserver", "etcd", ...; empty = clients only)
};

// kubeadm's full list, sorted by name as kubeadm prints it.
const std::vector<KnownCert>& allKnownCerts();
// The rows for a node of this kind: control plane = all of kubeadm's rows (no etcd-server/peer/healthcheck-client
// with external etcd); etcd host = the three etcd rows; worker = none; AdminOnly = admin.conf.
std::vector<KnownCert> knownCertsFor(NodeKind kind);
// CA baseNames shown for a node kind, sorted by display name (ca, etcd-ca, front-proxy-ca).
std::vector<std::string> knownCasFor(NodeKind kind);
// Whether this layout is expected to hold the CA's key (if not, a missing key does not mean "external CA").
bool caKeyExpected(const NodeLayout& layout, NodeKind kind, const std::string& caBaseName);

std::string certPath(const NodeLayout& l, const KnownCert& k);  // .crt or the kubeconfig
std::string keyPath(const NodeLayout& l, const KnownCert& k);   // .key ("" for kubeconfigs)

}  // namespace kforge::pki
