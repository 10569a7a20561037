// Warnings for extraArgs that switch off a security control kforge sets up. They are allowed (as kubeadm allows
// them: an operator may have reasons), but validate, plan and apply print a warning naming the flag and what it
// opens. See docs/inventory.md "extraArgs".
#include <sstream>

#include "core/inventory_internal.hpp"

namespace kforge::inv {

namespace {

// Go's strconv.ParseBool, which the Kubernetes components and etcd use for flag values.
bool goTrue(const std::string& v) { return v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True"; }
bool goFalse(const std::string& v) {
  return v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False";
}

bool listHas(const std::string& commaList, const std::string& item) {
  std::stringstream ss(commaList);
  for (std::string part; std::getline(ss, part, ',');)
    if (part == item) return true;
  return false;
}

struct Rule {
  const char* component;  // spec.<component>.extraArgs
  const char* flag;
  bool (*matches)(const std::string& value);
  const char* consequence;
};

const Rule kRules[] = {
    {"apiServer", "anonymous-auth", goTrue,
     "requests without credentials are served as system:anonymous (kube-apiserver's default, kept by kubeadm): "
     "whatever RBAC grants to system:unauthenticated is public"},
    {"apiServer", "authorization-mode", [](const std::string& v) { return listHas(v, "AlwaysAllow"); },
     "AlwaysAllow authorizes every request, so RBAC no longer limits any user, service account or node"},
    {"etcd", "client-cert-auth", goFalse,
     "etcd accepts clients without a certificate from the etcd CA: anyone who reaches port 2379 can read and write "
     "every Secret"},
    {"etcd", "peer-client-cert-auth", goFalse,
     "etcd accepts peers without a certificate from the etcd CA: anyone who reaches port 2380 can act as a member"},
};

}  // namespace

void warnInsecureExtraArgs(Cluster& c, const Reader& r) {
  for (const Rule& rule : kRules) {
    std::string component = rule.component;
    const auto& args = component == "etcd" ? c.etcd.extraArgs : c.apiServer.extraArgs;
    auto it = args.find(rule.flag);
    if (it == args.end() || !rule.matches(it->second)) continue;
    std::string path = "spec." + component + ".extraArgs[" + yamlr::quotedValue(rule.flag) + "]";
    SourceLoc at = r.locs.count(path) ? r.locs.at(path) : SourceLoc{r.file(), 0, 0};
    c.warnings.push_back(at.str() + ": " + path + " " + yamlr::quotedValue(it->second) + " switches off a security control: " +
                         rule.consequence + ". kforge allows it, as kubeadm does; remove it unless you mean it");
  }
}

}  // namespace kforge::inv
