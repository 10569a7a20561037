// Small builders for the addon objects (bootstrap/addons*.cpp only).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sha256.hpp"

#include "core/inventory.hpp"

namespace kforge::addons {

inline constexpr const char* kKubeSystem = "kube-system";
inline constexpr const char* kKubePublic = "kube-public";
inline constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";
inline constexpr const char* kRbacV1 = "rbac.authorization.k8s.io/v1";

inline nlohmann::json meta(const std::string& name, const std::string& ns = "") {
  nlohmann::json m = {{"name", name}};
  if (!ns.empty()) m["namespace"] = ns;
  return m;
}

inline nlohmann::json object(const std::string& apiVersion, const std::string& kind, const std::string& name,
                             const std::string& ns = "") {
  return {{"apiVersion", apiVersion}, {"kind", kind}, {"metadata", meta(name, ns)}};
}

inline nlohmann::json group(const std::string& name) {
  return {{"apiGroup", kRbacGroup}, {"kind", "Group"}, {"name", name}};
}
inline nlohmann::json user(const std::string& name) {
  return {{"apiGroup", kRbacGroup}, {"kind", "User"}, {"name", name}};
}
inline nlohmann::json serviceAccount(const std::string& ns, const std::string& name) {
  return {{"kind", "ServiceAccount"}, {"name", name}, {"namespace", ns}};
}

inline nlohmann::json rule(const std::vector<std::string>& apiGroups, const std::vector<std::string>& resources,
                           const std::vector<std::string>& verbs, const std::vector<std::string>& resourceNames = {}) {
  nlohmann::json r = {{"apiGroups", apiGroups}, {"resources", resources}, {"verbs", verbs}};
  if (!resourceNames.empty()) r["resourceNames"] = resourceNames;
  return r;
}

inline nlohmann::json clusterRole(const std::string& name, const std::vector<nlohmann::json>& rules) {
  nlohmann::json o = object(kRbacV1, "ClusterRole", name);
  o["rules"] = rules;
  return o;
}
inline nlohmann::json role(const std::string& ns, const std::string& name, const std::vector<nlohmann::json>& rules) {
  nlohmann::json o = object(kRbacV1, "Role", name, ns);
  o["rules"] = rules;
  return o;
}
inline nlohmann::json clusterRoleBinding(const std::string& name, const std::string& clusterRole,
                                         const std::vector<nlohmann::json>& subjects) {
  nlohmann::json o = object(kRbacV1, "ClusterRoleBinding", name);
  o["roleRef"] = {{"apiGroup", kRbacGroup}, {"kind", "ClusterRole"}, {"name", clusterRole}};
  o["subjects"] = subjects;
  return o;
}
inline nlohmann::json roleBinding(const std::string& ns, const std::string& name, const std::string& role,
                                  const std::vector<nlohmann::json>& subjects) {
  nlohmann::json o = object(kRbacV1, "RoleBinding", name, ns);
  o["roleRef"] = {{"apiGroup", kRbacGroup}, {"kind", "Role"}, {"name", role}};
  o["subjects"] = subjects;
  return o;
}

inline nlohmann::json configMap(const std::string& ns, const std::string& name, const nlohmann::json& data) {
  nlohmann::json o = object("v1", "ConfigMap", name, ns);
  o["data"] = data;
  return o;
}

// kubeadm's componentconfigs.SignConfigMap: annotation kubeadm.kubernetes.io/component-config.hash =
// "sha256:" + hex SHA-256 of the data values concatenated in key order. kubeadm upgrade regenerates a component
// config only when the hash still matches (a ConfigMap without it counts as edited by the user).
inline void signConfigMap(nlohmann::json& cm) {
  std::string all;
  for (const auto& [key, value] : cm["data"].items()) all += value.get<std::string>();  // nlohmann: keys sorted
  cm["metadata"]["annotations"]["kubeadm.kubernetes.io/component-config.hash"] = "sha256:" + sha256Hex(all);
}

// Drops the final newline of a rendered YAML document (kubeadm embeds its documents with "|-").
inline std::string chomp(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace kforge::addons
