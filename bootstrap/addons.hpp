// The API objects kubeadm's init phases upload once the control plane answers — upload-config,
// bootstrap-token, and addon (kube-proxy, CoreDNS) — built from the inventory as JSON objects ready for
// kube::KubeClient::apply. Pure and deterministic (same inputs, same objects, same bytes from dump()).
// Reference: kubeadm cmd/kubeadm/app/phases/{uploadconfig,bootstraptoken,addons}; goldens:
// tests/fixtures/golden-addons/.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/inventory.hpp"

namespace kforge {

inline constexpr const char* kNodeBootstrapTokenGroup = "system:bootstrappers:kubeadm:default-node-token";
inline constexpr const char* kClusterAdminsGroup = "kubeadm:cluster-admins";
inline constexpr const char* kControlPlaneTaintKey = "node-role.kubernetes.io/control-plane";

struct AddonOptions {
  std::string caPem;  // the cluster CA certificate (cluster-info ConfigMap); required
  // A bootstrap token "[a-z0-9]{6}.[a-z0-9]{16}" to upload as a Secret; empty = none.
  std::string bootstrapToken;
  std::optional<std::chrono::system_clock::time_point> tokenExpires;  // nullopt = never
  std::string tokenDescription = "kforge bootstrap token";
  bool kubeProxy = true;
  bool coreDns = true;
  int corednsReplicas = 2;
};

// ---- RBAC (addons_rbac.cpp)
// ClusterRoleBinding kubeadm:cluster-admins → cluster-admin for Group kubeadm:cluster-admins (admin.conf's O).
nlohmann::json clusterAdminsBinding();
// bootstrap-token phase: ClusterRole + ClusterRoleBinding kubeadm:get-nodes, ClusterRoleBindings
// kubeadm:kubelet-bootstrap, kubeadm:node-autoapprove-bootstrap, kubeadm:node-autoapprove-certificate-rotation.
std::vector<nlohmann::json> bootstrapTokenRbac();
// ClusterRoleBinding kubeadm:apiserver-kubelet-client → ClusterRole system:kubelet-api-admin for User
// kube-apiserver-kubelet-client (bootstrap-token phase, from the releases of pki::apiServerKubeletClientHasOwnRole).
nlohmann::json apiServerKubeletClientBinding();
// Role + RoleBinding kube-public/kubeadm:bootstrap-signer-clusterinfo (anonymous may read cluster-info).
std::vector<nlohmann::json> clusterInfoRbac();
// upload-config phase: Role + RoleBinding kube-system/kubeadm:nodes-kubeadm-config and
// kube-system/kubeadm:kubelet-config (joining nodes may read the two ConfigMaps).
std::vector<nlohmann::json> uploadConfigRbac();

// ---- configuration ConfigMaps (addons_config.cpp)
// The ClusterConfiguration kubeadm stores in kube-system/kubeadm-config: kubeadm.k8s.io/v1beta4 for 1.31+
// (extraArgs as name/value lists, validity periods, encryptionAlgorithm), v1beta3 before.
std::string renderClusterConfiguration(const Cluster& c);
nlohmann::json kubeadmConfigMap(const Cluster& c);
nlohmann::json kubeletConfigMap(const Cluster& c);  // kube-system/kubelet-config, key "kubelet"
// kube-public/cluster-info: a kubeconfig with only the cluster (server = control-plane endpoint, CA data).
std::string renderClusterInfoKubeconfig(const Cluster& c, const std::string& caPem);
nlohmann::json clusterInfoConfigMap(const Cluster& c, const std::string& caPem);

// ---- bootstrap token (addons_config.cpp), reference/kubeadm.md §8
// "2024-01-02T03:04:05Z"
std::string rfc3339(std::chrono::system_clock::time_point t);
// kube-system/bootstrap-token-<id>, type bootstrap.kubernetes.io/token, data (base64) token-id, token-secret,
// expiration (when set), description (when not empty), usage-bootstrap-authentication / -signing "true",
// auth-extra-groups system:bootstrappers:kubeadm:default-node-token.
// Throws kforge::Error (InvalidInput) when token is not "[a-z0-9]{6}.[a-z0-9]{16}".
nlohmann::json bootstrapTokenSecret(const std::string& token,
                                    std::optional<std::chrono::system_clock::time_point> expires,
                                    const std::string& description = "");

// ---- kube-proxy (addons_proxy.cpp), kubeadm phases/addons/proxy
// KubeProxyConfiguration (config.conf) with clusterCIDR = networking.podSubnet.
std::string renderKubeProxyConfig(const Cluster& c);
// kubeconfig.conf: in-cluster service-account credentials, server = the control-plane endpoint.
std::string renderKubeProxyKubeconfig(const Cluster& c);
// ServiceAccount, ClusterRoleBinding kubeadm:node-proxier, Role + RoleBinding kube-proxy, ConfigMap, DaemonSet.
std::vector<nlohmann::json> kubeProxyObjects(const Cluster& c);

// ---- CoreDNS (addons_coredns.cpp), kubeadm phases/addons/dns
std::string renderCorefile(const Cluster& c);
// ServiceAccount, ClusterRole + ClusterRoleBinding system:coredns, ConfigMap, Deployment, Service kube-dns
// (clusterIP = clusterDnsAddress(c), the 10th address of the service subnet).
std::vector<nlohmann::json> corednsObjects(const Cluster& c, int replicas = 2);

// ---- everything, in apply order (addons.cpp): Namespaces kube-system / kube-public, RBAC, the
// configuration ConfigMaps, the bootstrap token Secret, kube-proxy, CoreDNS.
std::vector<nlohmann::json> addonObjects(const Cluster& c, const AddonOptions& opts);

}  // namespace kforge
