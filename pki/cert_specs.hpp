// kubeadm's certificate table (ka/phases/certs/certlist.go, ka/phases/kubeconfig) applied to one host of a Cluster.
#pragma once
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "pki/cert.hpp"

namespace kforge::pki {

// The three CAs, in the order kubeadm creates them: ca, front-proxy-ca, etcd-ca.
std::vector<CertSpec> caSpecs();
const CertSpec& caSpec(const std::string& baseName);  // "ca" | "front-proxy-ca" | "etcd/ca"
// kubeadm's display name of a CA from its baseName: "etcd/ca" -> "etcd-ca".
std::string caDisplayName(const std::string& caBaseName);

// Leaf certificates (files under pki/) that `host` gets:
//   control plane: apiserver, apiserver-kubelet-client, front-proxy-client, apiserver-etcd-client,
//                  + etcd-server, etcd-peer, etcd-healthcheck-client when etcd is stacked;
//   etcd host (external topology): etcd-server, etcd-peer, etcd-healthcheck-client;   worker: none.
// Invalid extra SANs are dropped with a warning appended to *warnings (when non-null), as kubeadm does.
std::vector<CertSpec> hostLeafSpecs(const Cluster& c, const Host& host, std::vector<std::string>* warnings = nullptr);

struct KubeconfigSpec {
  std::string fileName;  // "admin.conf", ...
  std::string server;    // https://...
  CertSpec client;       // the embedded client certificate (name = fileName, caBaseName = "ca")
};
// Kubeconfigs `host` gets: control plane: admin.conf, super-admin.conf (first control-plane host only), kubelet.conf,
// controller-manager.conf, scheduler.conf; worker: kubelet.conf; etcd host: none. A control plane's kubelet.conf
// points at its own API server from 1.33 (kubeletUsesLocalApiServer), at the endpoint before and on workers.
std::vector<KubeconfigSpec> hostKubeconfigSpecs(const Cluster& c, const Host& host);
// The admin kubeconfig kept in the state dir for users (kubernetes-admin, kubeadm:cluster-admins, the endpoint).
KubeconfigSpec adminKubeconfigSpec(const Cluster& c);

// kubeadm 1.33.12+, 1.36.1+, 1.37: apiserver-kubelet-client has no O (it was kubeadm:cluster-admins) and is bound to
// the ClusterRole system:kubelet-api-admin by the ClusterRoleBinding kubeadm:apiserver-kubelet-client.
bool apiServerKubeletClientHasOwnRole(const Version& kubernetes);
// kubeadm's ControlPlaneKubeletLocalMode (on by default from 1.33): kubelet.conf of control planes uses the local API.
bool kubeletUsesLocalApiServer(const Version& kubernetes);
// https://<controlPlaneEndpoint> (or the first control-plane host) and https://<advertise>:<bindPort>.
std::string endpointUrl(const Cluster& c);
std::string localApiUrl(const Cluster& c, const Host& host);

}  // namespace kforge::pki
