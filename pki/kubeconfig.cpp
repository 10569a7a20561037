#include "core/base64.hpp"
#include "pki/kubeconfig.hpp"

#include <yaml-cpp/yaml.h>

#include "core/error.hpp"
#include "pki/ossl.hpp"

namespace kforge::pki {

std::string renderKubeconfig(const Kubeconfig& kc) {
  // Keys in the order client-go's clientcmd writes them (alphabetical).
  YAML::Emitter e;
  e.SetIndent(2);
  e << YAML::BeginMap;
  e << YAML::Key << "apiVersion" << YAML::Value << "v1";
  e << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  e << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "certificate-authority-data" << YAML::Value << base64Encode(kc.caPem);
  e << YAML::Key << "server" << YAML::Value << kc.server;
  e << YAML::EndMap;
  e << YAML::Key << "name" << YAML::Value << kc.clusterName;
  e << YAML::EndMap << YAML::EndSeq;
  e << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  e << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "cluster" << YAML::Value << kc.clusterName;
  e << YAML::Key << "user" << YAML::Value << kc.userName;
  e << YAML::EndMap;
  e << YAML::Key << "name" << YAML::Value << kc.contextName();
  e << YAML::EndMap << YAML::EndSeq;
  e << YAML::Key << "current-context" << YAML::Value << kc.contextName();
  e << YAML::Key << "kind" << YAML::Value << "Config";
  e << YAML::Key << "preferences" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;
  e << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << kc.userName;
  e << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "client-certificate-data" << YAML::Value << base64Encode(kc.certPem);
  e << YAML::Key << "client-key-data" << YAML::Value << base64Encode(kc.keyPem);
  e << YAML::EndMap;
  e << YAML::EndMap << YAML::EndSeq;
  e << YAML::EndMap;
  if (!e.good()) throw Error("cannot render kubeconfig: " + e.GetLastError());
  return std::string(e.c_str()) + "\n";
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
  kc.caPem = base64DecodeOrThrow(str(cluster["certificate-authority-data"]), what + " certificate-authority-data");
  kc.certPem = base64DecodeOrThrow(str(user["client-certificate-data"]), what + " client-certificate-data");
  kc.keyPem = base64DecodeOrThrow(str(user["client-key-data"]), what + " client-key-data");
  if (kc.certPem.empty() || kc.keyPem.empty())
    throw Error("kubeconfig " + what + " has no embedded client certificate and key");
  return kc;
}

}  // namespace kforge::pki
