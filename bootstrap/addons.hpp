// The addon objects kubeadm's init uploads after the control plane is up, applied by kforge through the API
// (phase "addons"): the kubeadm:cluster-admins binding, CoreDNS and kube-proxy, as kubeadm 1.29–1.32 makes them
// (cmd/kubeadm/app/phases/addons/{dns,proxy}). Deterministic JSON objects, in apply order.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/inventory.hpp"

namespace kforge {

std::vector<nlohmann::json> addonObjects(const Cluster& c);
// The API path of an object: /api/v1/namespaces/ns/configmaps/name, /apis/apps/v1/..., cluster-scoped kinds
// without the namespace segment. collection=true gives the path to POST to.
std::string objectPath(const nlohmann::json& obj, bool collection = false);
// Whether every field we set in `want` has the same value in `live` (fields the server adds are ignored).
bool objectMatches(const nlohmann::json& want, const nlohmann::json& live);

}  // namespace kforge
