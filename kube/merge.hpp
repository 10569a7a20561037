// The pure parts of KubeClient::apply and of node taints: how a desired object is combined with the live
// one for a PUT, when the live object already matches, and how taints are merged. No I/O; unit-tested.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "core/inventory.hpp"

namespace kforge::kube {

// The body of the PUT that makes `live` look like `desired` without taking away what the server or
// other controllers own:
//   * metadata.resourceVersion from live (optimistic concurrency: a concurrent write gives 409);
//   * metadata.labels / annotations: live's, overlaid with desired's (ours win, others are kept);
//     live's finalizers and ownerReferences unless desired sets them;
//   * top-level fields desired does not set are kept from live: status, a Secret's / ConfigMap's data when
//     we did not set it, a ServiceAccount's secrets, ...;
//   * Service: spec.clusterIP(s), ipFamilies, ipFamilyPolicy and healthCheckNodePort from live unless set,
//     and each port's nodePort (matched by port name / port+protocol).
nlohmann::json mergeForUpdate(const nlohmann::json& desired, const nlohmann::json& live);

// True when every field desired sets has the same value in live (objects: recursively; arrays: same
// length, element by element; scalars: equal). A field desired sets to a zero value (false, 0, "", null, {},
// []) matches a field live leaves out, as the apiserver drops those (Go omitempty). metadata is compared for
// labels and annotations only.
// Server-side defaults present only in live do not count as a difference, so re-applying an unchanged
// object is a no-op (no PUT, no new resourceVersion).
bool alreadyApplied(const nlohmann::json& desired, const nlohmann::json& live);
bool isSubset(const nlohmann::json& desired, const nlohmann::json& live);

// Merges taints into a Node's spec.taints array (null / missing = none). A taint is identified by key and
// effect: an existing one with the same key and effect gets the new value; others are appended in order.
// Returns the new array; *changed says whether it differs from `existing`. Idempotent.
nlohmann::json mergeTaints(const nlohmann::json& existing, const std::vector<Taint>& add, bool* changed = nullptr);
// Removes the taints with this key (and effect, when not empty).
nlohmann::json removeTaints(const nlohmann::json& existing, const std::string& key, const std::string& effect,
                            bool* changed = nullptr);

}  // namespace kforge::kube
