// RBAC objects of kubeadm's init phases: kubeadm:cluster-admins (kubeconfig phase, 1.29+), the bootstrap-token
// phase (ka/phases/bootstraptoken/node/tlsbootstrap.go, clusterinfo/clusterinfo.go) and upload-config
// (ka/phases/uploadconfig). Subjects carry apiGroup rbac.authorization.k8s.io for User/Group as the apiserver
// defaults them, so a re-apply finds the stored object unchanged.
#include "bootstrap/addons.hpp"
#include "bootstrap/addons_util.hpp"

namespace kforge {

using nlohmann::json;
using namespace addons;

json clusterAdminsBinding() {
  return clusterRoleBinding(kClusterAdminsGroup, "cluster-admin", {group(kClusterAdminsGroup)});
}

std::vector<json> bootstrapTokenRbac() {
  return {
      clusterRole("kubeadm:get-nodes", {rule({""}, {"nodes"}, {"get"})}),
      clusterRoleBinding("kubeadm:get-nodes", "kubeadm:get-nodes", {group(kNodeBootstrapTokenGroup)}),
      clusterRoleBinding("kubeadm:kubelet-bootstrap", "system:node-bootstrapper", {group(kNodeBootstrapTokenGroup)}),
      clusterRoleBinding("kubeadm:node-autoapprove-bootstrap",
                         "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                         {group(kNodeBootstrapTokenGroup)}),
      clusterRoleBinding("kubeadm:node-autoapprove-certificate-rotation",
                         "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
                         {group("system:nodes")}),
  };
}

json apiServerKubeletClientBinding() {
  // kubeadm: phases/bootstraptoken/node/tlsbootstrap.go AllowAPIServerToAccessKubeletAPI.
  return clusterRoleBinding("kubeadm:apiserver-kubelet-client", "system:kubelet-api-admin",
                            {user("kube-apiserver-kubelet-client")});
}

std::vector<json> clusterInfoRbac() {
  const char* name = "kubeadm:bootstrap-signer-clusterinfo";
  return {
      role(kKubePublic, name, {rule({""}, {"configmaps"}, {"get"}, {"cluster-info"})}),
      roleBinding(kKubePublic, name, name, {user("system:anonymous")}),
  };
}

std::vector<json> uploadConfigRbac() {
  const std::vector<json> readers = {group(kNodeBootstrapTokenGroup), group("system:nodes")};
  return {
      role(kKubeSystem, "kubeadm:nodes-kubeadm-config", {rule({""}, {"configmaps"}, {"get"}, {"kubeadm-config"})}),
      roleBinding(kKubeSystem, "kubeadm:nodes-kubeadm-config", "kubeadm:nodes-kubeadm-config", readers),
      role(kKubeSystem, "kubeadm:kubelet-config", {rule({""}, {"configmaps"}, {"get"}, {"kubelet-config"})}),
      roleBinding(kKubeSystem, "kubeadm:kubelet-config", "kubeadm:kubelet-config", readers),
  };
}

}  // namespace kforge
