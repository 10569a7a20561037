// REST paths for Kubernetes objects: apiVersion + kind (+ namespace, name) → /api/v1/... or /apis/<group>/<v>/...
// A static table of the kinds kforge applies (no discovery round trip); other kinds get the apiserver's
// default pluralization (lowercase, +s / +es / y→ies).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace kforge::kube {

// "ConfigMap" → "configmaps", "Endpoints" → "endpoints", "NetworkPolicy" → "networkpolicies".
std::string resourceForKind(const std::string& kind);
// Namespace, Node, ClusterRole, ClusterRoleBinding, PriorityClass, PersistentVolume, StorageClass, ... → true.
bool isClusterScoped(const std::string& kind);

// "/api/v1" for "v1", "/apis/apps/v1" for "apps/v1".
std::string groupVersionPrefix(const std::string& apiVersion);
// The collection: /api/v1/namespaces/<ns>/configmaps, /apis/rbac.authorization.k8s.io/v1/clusterroles.
// Namespaced kinds with an empty namespace use "default" (as kubectl does).
std::string collectionPath(const std::string& apiVersion, const std::string& kind, const std::string& ns = "");
// The object: collectionPath(...) + "/" + name.
std::string objectPath(const std::string& apiVersion, const std::string& kind, const std::string& ns,
                       const std::string& name);
// From an object's apiVersion, kind, metadata.namespace and metadata.name.
// Throws kforge::Error when apiVersion, kind or metadata.name is missing.
std::string objectPath(const nlohmann::json& obj);
std::string collectionPath(const nlohmann::json& obj);
// "ConfigMap kube-system/coredns", "ClusterRole system:coredns" — for messages.
std::string describeObject(const nlohmann::json& obj);

}  // namespace kforge::kube
