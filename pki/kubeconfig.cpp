#include "core/base64.hpp"
#include "pki/kubeconfig.hpp"

#include <yaml-cpp/yaml.h>

#include "core/error.hpp"
#include "core/yaml_writer.hpp"
#include "pki/ossl.hpp"

namespace kforge::pki {

bool kubeconfigHasPreferences(const Version& k) { return k < Version{1, 34, 0, ""}; }

std::string renderKubeconfig(const Kubeconfig& kc) {
  // client-go's clientcmd.Write: keys sorted, sequences not indented under their key (core/yaml_writer).
  yaml::Node doc = yaml::Node::map();
  doc["apiVersion"] = "v1";
  yaml::Node cluster = yaml::Node::map();
  cluster["cluster"]["certificate-authority-data"] = base64Encode(kc.caPem);
  cluster["cluster"]["server"] = kc.server;
  cluster["name"] = kc.clusterName;
  doc["clusters"].push(cluster);
  yaml::Node context = yaml::Node::map();
  context["context"]["cluster"] = kc.clusterName;
  context["context"]["user"] = kc.userName;
  context["name"] = kc.contextName();
  doc["contexts"].push(context);
  doc["current-context"] = kc.contextName();
  doc["kind"] = "Config";
  if (kc.withPreferences) doc["preferences"] = yaml::Node::map();
  yaml::Node user = yaml::Node::map();
  user["name"] = kc.userName;
  user["user"]["client-certificate-data"] = base64Encode(kc.certPem);
  user["user"]["client-key-data"] = base64Encode(kc.keyPem);
  doc["users"].push(user);
  return yaml::write(doc);
}

namespace {
YAML::Node findNamed(const YAML::Node& list, const std::string& name, const std::string& field) {
  if (!list || !list.IsSequence()) return {};
  for (const auto& item : list)
    if (item["name"] && item["name"].as<std::string>() == name) return item[field];
  return list.size() > 0 ? list[0][field] : YAML::Node();
}
std::string str(const YAML::Node& n) { return n && n.IsScalar() ? n.as<std::string>() : std::string(); }
}  // namespace

Kubeconfig parseKubeconfig(const std::string& yaml, const std::string& what) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw Error("cannot parse kubeconfig " + what + ": " + e.what());
  }
  if (!root.IsMap()) throw Error("cannot parse kubeconfig " + what + ": not a mapping");
  Kubeconfig kc;
  std::string current = str(root["current-context"]);
  YAML::Node ctx = findNamed(root["contexts"], current, "context");
  std::string clusterRef = ctx ? str(ctx["cluster"]) : "";
  std::string userRef = ctx ? str(ctx["user"]) : "";
  YAML::Node cluster = findNamed(root["clusters"], clusterRef, "cluster");
  YAML::Node user = findNamed(root["users"], userRef, "user");
  if (!cluster || !user) throw Error("kubeconfig " + what + " has no cluster or user");
  kc.clusterName = clusterRef;
  kc.userName = userRef;
  if (kc.clusterName.empty() && root["clusters"].IsSequence() && root["clusters"].size() > 0)
    kc.clusterName = str(root["clusters"][0]["name"]);
  if (kc.userName.empty() && root["users"].IsSequence() && root["users"].size() > 0)
    kc.userName = str(root["users"][0]["name"]);
  kc.server = str(cluster["server"]);
  kc.withPreferences = static_cast<bool>(root["preferences"]);
  kc.caPem = base64DecodeOrThrow(str(cluster["certificate-authority-data"]), what + " certificate-authority-data");
  kc.certPem = base64DecodeOrThrow(str(user["client-certificate-data"]), what + " client-certificate-data");
  kc.keyPem = base64DecodeOrThrow(str(user["client-key-data"]), what + " client-key-data");
  if (kc.certPem.empty() || kc.keyPem.empty())
    throw Error("kubeconfig " + what + " has no embedded client certificate and key");
  return kc;
}

}  // namespace kforge::pki
