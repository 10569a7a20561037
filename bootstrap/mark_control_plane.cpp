// kubeadm's mark-control-plane phase (ka/phases/markcontrolplane): a control-plane Node gets the label
// node-role.kubernetes.io/control-plane="" and node.kubernetes.io/exclude-from-external-load-balancers="",
// and the taint node-role.kubernetes.io/control-plane:NoSchedule unless the inventory pool sets its own
// `taints` (kubeadm: nodeRegistration.taints; `[]` means none). The kubelet cannot do this itself: the
// NodeRestriction admission plugin forbids a kubelet to set node-role.kubernetes.io/* labels.
// Before 1.34 kubeadm also records the CRI socket in the annotation kubeadm.alpha.kubernetes.io/cri-socket
// (its own `upgrade` reads it); from 1.34 the socket lives in the kubelet's instance-config.yaml instead.
#include "bootstrap/mark_control_plane.hpp"

#include "bootstrap/kubelet_flags.hpp"

namespace kforge {

NodeMarks nodeMarks(const Cluster& c, const Host& h, const std::string& criSocket) {
  NodeMarks m;
  const NodePool* pool = c.findPool(h.pool);
  if (pool) m.labels = pool->labels;
  if (h.role == Role::ControlPlane) {
    m.labels[kControlPlaneRoleLabel] = "";
    m.labels[kExcludeFromLbLabel] = "";
  }
  if (pool && pool->taintsSet)
    m.taints = pool->taints;
  else if (h.role == Role::ControlPlane)
    m.taints = {{kControlPlaneRoleLabel, "", "NoSchedule"}};
  if (!usesNodeLocalCriSocket(c.kubernetesVersion)) m.annotations[kCriSocketAnnotation] = criEndpoint(criSocket);
  return m;
}

}  // namespace kforge
