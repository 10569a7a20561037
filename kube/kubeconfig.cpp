#include "kube/kubeconfig.hpp"

#include <yaml-cpp/yaml.h>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"

namespace kforge::kube {

namespace {

struct Ctx {
  std::string what;     // "kubeconfig <file>"
  std::string baseDir;
  [[noreturn]] void fail(const std::string& msg) const { throw Error(what + ": " + msg, ExitCode::InvalidInput); }
};

std::string scalar(const YAML::Node& n, const Ctx& c, const std::string& field) {
  if (!n) return "";
  if (!n.IsScalar()) c.fail(field + ": expected a string");
  return n.as<std::string>();
}

// The entry of a named list (clusters / contexts / users) whose name matches; its `field` mapping.
YAML::Node findNamed(const YAML::Node& root, const std::string& list, const std::string& name,
                     const std::string& field, const Ctx& c) {
  const YAML::Node l = root[list];
  if (l && !l.IsSequence()) c.fail(list + ": expected a list");
  if (l) {
    for (const auto& item : l) {
      if (!item.IsMap() || !item["name"] || !item["name"].IsScalar()) continue;
      if (item["name"].as<std::string>() != name) continue;
      YAML::Node body = item[field];
      if (!body || !body.IsMap()) c.fail(list + ": \"" + name + "\" has no " + field + " mapping");
      return body;
    }
  }
  std::string singular = list.substr(0, list.size() - 1);
  c.fail(singular + " \"" + name + "\" not found in " + list);
}

std::string resolvePath(const std::string& p, const Ctx& c) {
  std::string e = expandHome(p);
  if (!e.empty() && e[0] != '/') e = c.baseDir + "/" + e;
  return e;
}

// <field>-data (base64) or <field> (a file), exactly one of them.
std::string dataOrFile(const YAML::Node& m, const std::string& field, const std::string& owner, const Ctx& c) {
  const std::string data = scalar(m[field + "-data"], c, owner + ": " + field + "-data");
  const std::string file = scalar(m[field], c, owner + ": " + field);
  if (!data.empty() && !file.empty()) c.fail(owner + ": both " + field + "-data and " + field + " are set");
  if (!data.empty()) {
    std::string out;
    if (!base64Decode(data, out)) c.fail(owner + ": " + field + "-data is not valid base64");
    return out;
  }
  if (!file.empty()) {
    const std::string path = resolvePath(file, c);
    if (!fileExists(path)) c.fail(owner + ": " + field + " file " + path + " does not exist");
    return readFile(path);
  }
  return "";
}

}  // namespace

Credentials parseKubeconfig(const std::string& yaml, const std::string& fileName, const std::string& context,
                            const std::string& baseDir) {
  Ctx c{"kubeconfig " + fileName, baseDir.empty() ? "." : baseDir};
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    c.fail(std::string("not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) c.fail("expected a mapping (apiVersion: v1, kind: Config)");

  std::string ctxName = context;
  if (ctxName.empty()) ctxName = scalar(root["current-context"], c, "current-context");
  if (ctxName.empty()) c.fail("no current-context set (and no context given)");
  const YAML::Node ctx = findNamed(root, "contexts", ctxName, "context", c);
  const std::string clusterName = scalar(ctx["cluster"], c, "context \"" + ctxName + "\": cluster");
  const std::string userName = scalar(ctx["user"], c, "context \"" + ctxName + "\": user");
  if (clusterName.empty()) c.fail("context \"" + ctxName + "\": no cluster");

  Credentials cr;
  cr.source = c.what;
  const YAML::Node cluster = findNamed(root, "clusters", clusterName, "cluster", c);
  const std::string clusterOwner = "cluster \"" + clusterName + "\"";
  cr.server = scalar(cluster["server"], c, clusterOwner + ": server");
  if (cr.server.empty()) c.fail(clusterOwner + ": no server");
  while (!cr.server.empty() && cr.server.back() == '/') cr.server.pop_back();
  cr.caPem = dataOrFile(cluster, "certificate-authority", clusterOwner, c);
  cr.tlsServerName = scalar(cluster["tls-server-name"], c, clusterOwner + ": tls-server-name");
  if (cluster["insecure-skip-tls-verify"]) {
    try {
      cr.insecureSkipTlsVerify = cluster["insecure-skip-tls-verify"].as<bool>();
    } catch (const YAML::Exception&) {
      c.fail(clusterOwner + ": insecure-skip-tls-verify: expected true or false");
    }
  }

  if (!userName.empty()) {
    const YAML::Node user = findNamed(root, "users", userName, "user", c);
    const std::string userOwner = "user \"" + userName + "\"";
    cr.certPem = dataOrFile(user, "client-certificate", userOwner, c);
    cr.keyPem = dataOrFile(user, "client-key", userOwner, c);
    if (!cr.certPem.empty() && cr.keyPem.empty()) c.fail(userOwner + ": client-certificate without client-key");
    if (cr.certPem.empty() && !cr.keyPem.empty()) c.fail(userOwner + ": client-key without client-certificate");
    cr.token = scalar(user["token"], c, userOwner + ": token");
    const std::string tokenFile = scalar(user["tokenFile"], c, userOwner + ": tokenFile");
    if (cr.token.empty() && !tokenFile.empty()) {
      const std::string path = resolvePath(tokenFile, c);
      if (!fileExists(path)) c.fail(userOwner + ": tokenFile " + path + " does not exist");
      cr.token = readFile(path);
      while (!cr.token.empty() && (cr.token.back() == '\n' || cr.token.back() == '\r')) cr.token.pop_back();
    }
    if (user["exec"] || user["auth-provider"])
      if (cr.certPem.empty() && cr.token.empty())
        c.fail(userOwner + ": exec and auth-provider credentials are not supported; use a client certificate or token");
  }
  return cr;
}

Credentials loadKubeconfig(const std::string& path, const std::string& context) {
  const std::string p = expandHome(path);
  if (!fileExists(p)) throw Error("kubeconfig " + p + ": no such file", ExitCode::InvalidInput);
  return parseKubeconfig(readFile(p), p, context, dirName(p));
}

}  // namespace kforge::kube
