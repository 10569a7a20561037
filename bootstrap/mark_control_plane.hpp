#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/inventory.hpp"

namespace kforge {

// What a node should carry, kubeadm's mark-control-plane phase plus the pool's own labels and taints.
struct NodeMarks {
  std::map<std::string, std::string> labels;
  std::vector<Taint> taints;  // the taints kforge owns on this node (others, set by controllers or people, stay)
  std::map<std::string, std::string> annotations;
};

inline constexpr const char* kControlPlaneRoleLabel = "node-role.kubernetes.io/control-plane";
inline constexpr const char* kExcludeFromLbLabel = "node.kubernetes.io/exclude-from-external-load-balancers";

// criSocket: what the facts found on the host (for the cri-socket annotation before 1.34).
NodeMarks nodeMarks(const Cluster& c, const Host& h, const std::string& criSocket);

// The JSON merge patch that gives `node` (the API's Node object) these marks, or "" when it already has them.
// Taints with other keys (set by controllers or people) are kept.
std::string nodeMarksPatch(const NodeMarks& marks, const nlohmann::json& node);

}  // namespace kforge
