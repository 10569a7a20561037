// kubeadm's mark-control-plane phase (ka/phases/markcontrolplane): a control-plane Node gets the label
// node-role.kubernetes.io/control-plane="" and node.kubernetes.io/exclude-from-external-load-balancers="",
// and the taint node-role.kubernetes.io/control-plane:NoSchedule unless the inventory pool sets its own
// `taints` (kubeadm: nodeRegistration.taints; `[]` means none). The kubelet cannot do this itself: the
// NodeRestriction admission plugin forbids a kubelet to set node-role.kubernetes.io/* labels.
// Before 1.34 kubeadm also records the CRI socket in the annotation kubeadm.alpha.kubernetes.io/cri-socket
// (its own `upgrade` reads it); from 1.34 the socket lives in the kubelet's instance-config.yaml instead.
#include "bootstrap/mark_control_plane.hpp"

#include <algorithm>
#include <set>

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

std::string nodeMarksPatch(const NodeMarks& marks, const nlohmann::json& node) {
  nlohmann::json patch = nlohmann::json::object();
  auto labels = node["metadata"].value("labels", nlohmann::json::object());
  for (const auto& [k, v] : marks.labels)
    if (!labels.contains(k) || labels[k] != v) patch["metadata"]["labels"][k] = v;
  auto annotations = node["metadata"].value("annotations", nlohmann::json::object());
  for (const auto& [k, v] : marks.annotations)
    if (!annotations.contains(k) || annotations[k] != v) patch["metadata"]["annotations"][k] = v;
  // Taints: kforge sets the pool's taints and keeps taints with other keys (added by controllers or people).
  nlohmann::json have = node.contains("spec") ? node["spec"].value("taints", nlohmann::json::array()) : nlohmann::json::array();
  nlohmann::json want = nlohmann::json::array();
  std::set<std::string> keys;
  for (const auto& t : marks.taints) {
    nlohmann::json j{{"key", t.key}, {"effect", t.effect}};
    if (!t.value.empty()) j["value"] = t.value;
    want.push_back(j);
    keys.insert(t.key);
  }
  for (const auto& t : have)
    if (!keys.count(t.value("key", ""))) want.push_back(t);
  auto canon = [](nlohmann::json a) {
    std::vector<std::string> v;
    for (auto& t : a) v.push_back(t.value("key", "") + "=" + t.value("value", "") + ":" + t.value("effect", ""));
    std::sort(v.begin(), v.end());
    return v;
  };
  if (canon(want) != canon(have)) patch["spec"]["taints"] = want;
  return patch.empty() ? "" : patch.dump();
}


}  // namespace kforge
