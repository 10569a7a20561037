#include "kube/paths.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/error.hpp"

namespace kforge::kube {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string field(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string metaField(const nlohmann::json& obj, const char* key) {
  auto m = obj.find("metadata");
  return m != obj.end() && m->is_object() ? field(*m, key) : std::string();
}

}  // namespace

std::string resourceForKind(const std::string& kind) {
  // Irregular plurals among the built-in kinds.
  static const std::map<std::string, std::string> kIrregular = {
      {"Endpoints", "endpoints"},
      {"PodSecurityPolicy", "podsecuritypolicies"},
  };
  if (auto it = kIrregular.find(kind); it != kIrregular.end()) return it->second;
  // The apiserver's default (k8s.io/apimachinery meta.UnsafeGuessKindToResource).
  std::string r = lower(kind);
  if (r.empty()) return r;
  if (endsWith(r, "s") || endsWith(r, "x") || endsWith(r, "z") || endsWith(r, "ch") || endsWith(r, "sh")) return r + "es";
  if (endsWith(r, "y") && r.size() > 1 && std::string("aeiou").find(r[r.size() - 2]) == std::string::npos)
    return r.substr(0, r.size() - 1) + "ies";
  return r + "s";
}

bool isClusterScoped(const std::string& kind) {
  static const std::set<std::string> kClusterScoped = {
      "Namespace",          "Node",
      "ClusterRole",        "ClusterRoleBinding",
      "PriorityClass",      "PersistentVolume",
      "StorageClass",       "CSIDriver",
      "CSINode",            "VolumeAttachment",
      "RuntimeClass",       "CustomResourceDefinition",
      "APIService",         "CertificateSigningRequest",
      "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
      "ValidatingAdmissionPolicy",      "ValidatingAdmissionPolicyBinding",
      "FlowSchema",         "PriorityLevelConfiguration",
      "IngressClass",       "ComponentStatus",
  };
  return kClusterScoped.count(kind) > 0;
}

std::string groupVersionPrefix(const std::string& apiVersion) {
  if (apiVersion.empty()) throw Error("object has no apiVersion");
  if (apiVersion.find('/') == std::string::npos) return "/api/" + apiVersion;  // the core group: "v1"
  return "/apis/" + apiVersion;
}

std::string collectionPath(const std::string& apiVersion, const std::string& kind, const std::string& ns) {
  if (kind.empty()) throw Error("object has no kind");
  std::string p = groupVersionPrefix(apiVersion);
  if (!isClusterScoped(kind)) p += "/namespaces/" + (ns.empty() ? std::string("default") : ns);
  return p + "/" + resourceForKind(kind);
}

std::string objectPath(const std::string& apiVersion, const std::string& kind, const std::string& ns,
                       const std::string& name) {
  if (name.empty()) throw Error(kind + " object has no metadata.name");
  return collectionPath(apiVersion, kind, ns) + "/" + name;
}

std::string objectPath(const nlohmann::json& obj) {
  return objectPath(field(obj, "apiVersion"), field(obj, "kind"), metaField(obj, "namespace"), metaField(obj, "name"));
}

std::string collectionPath(const nlohmann::json& obj) {
  return collectionPath(field(obj, "apiVersion"), field(obj, "kind"), metaField(obj, "namespace"));
}

std::string describeObject(const nlohmann::json& obj) {
  const std::string kind = field(obj, "kind");
  const std::string ns = metaField(obj, "namespace");
  const std::string name = metaField(obj, "name");
  if (isClusterScoped(kind) || ns.empty()) return kind + " " + name;
  return kind + " " + ns + "/" + name;
}

}  // namespace kforge::kube
