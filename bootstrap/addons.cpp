#include "bootstrap/addons.hpp"

#include <map>

#include "bootstrap/manifests.hpp"
#include "images/images.hpp"

namespace kforge {

using json = nlohmann::json;

namespace {

json meta(const std::string& name, const std::string& ns = "", json labels = json::object()) {
  json m{{"name", name}};
  if (!ns.empty()) m["namespace"] = ns;
  if (!labels.empty()) m["labels"] = labels;
  return m;
}

std::string corefile(const Cluster& c) {
  return ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes " +
         c.networking.dnsDomain +
         " in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n"
         "    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n"
         "    cache 30 {\n       disable success " + c.networking.dnsDomain + "\n       disable denial " +
         c.networking.dnsDomain + "\n    }\n    loop\n    reload\n    loadbalance\n}\n";
}

std::string proxyConfig(const Cluster& c) {
  return "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nbindAddress: 0.0.0.0\nclientConnection:\n"
         "  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\nclusterCIDR: " + c.networking.podSubnet +
         "\nkind: KubeProxyConfiguration\nmode: \"\"\n";
}

std::string proxyKubeconfig(const Cluster& c) {
  return "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority: "
         "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n    server: https://" + c.endpointHostPort() +
         "\n  name: default\ncontexts:\n- context:\n    cluster: default\n    namespace: default\n    user: default\n"
         "  name: default\ncurrent-context: default\nusers:\n- name: default\n  user:\n    tokenFile: "
         "/var/run/secrets/kubernetes.io/serviceaccount/token\n";
}

}  // namespace

std::vector<json> addonObjects(const Cluster& c) {
  std::vector<json> out;
  const char* rbac = "rbac.authorization.k8s.io/v1";
  // kubeadm:cluster-admins -> cluster-admin (admin.conf's group since 1.29).
  out.push_back({{"apiVersion", rbac}, {"kind", "ClusterRoleBinding"}, {"metadata", meta("kubeadm:cluster-admins")},
                 {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "cluster-admin"}}},
                 {"subjects", json::array({{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", "kubeadm:cluster-admins"}}})}});
  // CoreDNS
  json dnsLabels{{"k8s-app", "kube-dns"}};
  out.push_back({{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", meta("coredns", "kube-system")}});
  out.push_back({{"apiVersion", rbac}, {"kind", "ClusterRole"}, {"metadata", meta("system:coredns")},
                 {"rules", json::array({{{"apiGroups", {""}}, {"resources", {"endpoints", "services", "pods", "namespaces"}}, {"verbs", {"list", "watch"}}},
                                        {{"apiGroups", {""}}, {"resources", {"nodes"}}, {"verbs", {"get"}}},
                                        {{"apiGroups", {"discovery.k8s.io"}}, {"resources", {"endpointslices"}}, {"verbs", {"list", "watch"}}}})}});
  out.push_back({{"apiVersion", rbac}, {"kind", "ClusterRoleBinding"}, {"metadata", meta("system:coredns")},
                 {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "system:coredns"}}},
                 {"subjects", json::array({{{"kind", "ServiceAccount"}, {"name", "coredns"}, {"namespace", "kube-system"}}})}});
  out.push_back({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", meta("coredns", "kube-system")},
                 {"data", {{"Corefile", corefile(c)}}}});
  json dnsContainer{{"name", "coredns"},
                    {"image", corednsImage(c.kubernetesVersion, c.images.repository)},
                    {"imagePullPolicy", "IfNotPresent"},
                    {"args", {"-conf", "/etc/coredns/Corefile"}},
                    {"ports", json::array({{{"containerPort", 53}, {"name", "dns"}, {"protocol", "UDP"}},
                                           {{"containerPort", 53}, {"name", "dns-tcp"}, {"protocol", "TCP"}},
                                           {{"containerPort", 9153}, {"name", "metrics"}, {"protocol", "TCP"}}})},
                    {"resources", {{"limits", {{"memory", "170Mi"}}}, {"requests", {{"cpu", "100m"}, {"memory", "70Mi"}}}}},
                    {"volumeMounts", json::array({{{"mountPath", "/etc/coredns"}, {"name", "config-volume"}, {"readOnly", true}}})}};
  out.push_back({{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", meta("coredns", "kube-system", dnsLabels)},
                 {"spec", {{"replicas", 2},
                           {"selector", {{"matchLabels", dnsLabels}}},
                           {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", 1}}}}},
                           {"template", {{"metadata", {{"labels", dnsLabels}}},
                                         {"spec", {{"containers", json::array({dnsContainer})},
                                                   {"dnsPolicy", "Default"},
                                                   {"priorityClassName", "system-cluster-critical"},
                                                   {"serviceAccountName", "coredns"},
                                                   {"tolerations", json::array({{{"key", "CriticalAddonsOnly"}, {"operator", "Exists"}},
                                                                                {{"effect", "NoSchedule"}, {"key", "node-role.kubernetes.io/control-plane"}}})},
                                                   {"volumes", json::array({{{"name", "config-volume"}, {"configMap", {{"name", "coredns"}, {"items", json::array({{{"key", "Corefile"}, {"path", "Corefile"}}})}}}}})}}}}}}}});
  out.push_back({{"apiVersion", "v1"}, {"kind", "Service"},
                 {"metadata", meta("kube-dns", "kube-system", {{"k8s-app", "kube-dns"}, {"kubernetes.io/cluster-service", "true"}, {"kubernetes.io/name", "CoreDNS"}})},
                 {"spec", {{"clusterIP", clusterDnsAddress(c)},
                           {"ports", json::array({{{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}, {"targetPort", 53}},
                                                  {{"name", "dns-tcp"}, {"port", 53}, {"protocol", "TCP"}, {"targetPort", 53}},
                                                  {{"name", "metrics"}, {"port", 9153}, {"protocol", "TCP"}, {"targetPort", 9153}}})},
                           {"selector", dnsLabels}}}});
  // kube-proxy
  out.push_back({{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", meta("kube-proxy", "kube-system")}});
  out.push_back({{"apiVersion", rbac}, {"kind", "ClusterRoleBinding"}, {"metadata", meta("kubeadm:node-proxier")},
                 {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "system:node-proxier"}}},
                 {"subjects", json::array({{{"kind", "ServiceAccount"}, {"name", "kube-proxy"}, {"namespace", "kube-system"}}})}});
  out.push_back({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", meta("kube-proxy", "kube-system", {{"app", "kube-proxy"}})},
                 {"data", {{"config.conf", proxyConfig(c)}, {"kubeconfig.conf", proxyKubeconfig(c)}}}});
  json proxyLabels{{"k8s-app", "kube-proxy"}};
  json proxyContainer{{"name", "kube-proxy"},
                      {"image", kubernetesImage(c, "kube-proxy")},
                      {"imagePullPolicy", "IfNotPresent"},
                      {"command", {"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"}},
                      {"env", json::array({{{"name", "NODE_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}}})},
                      {"securityContext", {{"privileged", true}}},
                      {"volumeMounts", json::array({{{"mountPath", "/var/lib/kube-proxy"}, {"name", "kube-proxy"}},
                                                    {{"mountPath", "/run/xtables.lock"}, {"name", "xtables-lock"}},
                                                    {{"mountPath", "/lib/modules"}, {"name", "lib-modules"}, {"readOnly", true}}})}};
  out.push_back({{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"metadata", meta("kube-proxy", "kube-system", proxyLabels)},
                 {"spec", {{"selector", {{"matchLabels", proxyLabels}}},
                           {"updateStrategy", {{"type", "RollingUpdate"}}},
                           {"template", {{"metadata", {{"labels", proxyLabels}}},
                                         {"spec", {{"containers", json::array({proxyContainer})},
                                                   {"hostNetwork", true},
                                                   {"nodeSelector", {{"kubernetes.io/os", "linux"}}},
                                                   {"priorityClassName", "system-node-critical"},
                                                   {"serviceAccountName", "kube-proxy"},
                                                   {"tolerations", json::array({{{"operator", "Exists"}}})},
                                                   {"volumes", json::array({{{"name", "kube-proxy"}, {"configMap", {{"name", "kube-proxy"}}}},
                                                                            {{"name", "xtables-lock"}, {"hostPath", {{"path", "/run/xtables.lock"}, {"type", "FileOrCreate"}}}},
                                                                            {{"name", "lib-modules"}, {"hostPath", {{"path", "/lib/modules"}}}}})}}}}}}}});
  return out;
}

std::string objectPath(const json& obj, bool collection) {
  static const std::map<std::string, std::string> plural = {
      {"ServiceAccount", "serviceaccounts"}, {"ConfigMap", "configmaps"}, {"Service", "services"},
      {"Deployment", "deployments"},         {"DaemonSet", "daemonsets"}, {"ClusterRole", "clusterroles"},
      {"ClusterRoleBinding", "clusterrolebindings"}, {"Role", "roles"}, {"RoleBinding", "rolebindings"},
      {"Namespace", "namespaces"},           {"Secret", "secrets"}};
  std::string apiVersion = obj.at("apiVersion"), kind = obj.at("kind");
  std::string base = apiVersion == "v1" ? "/api/v1" : "/apis/" + apiVersion;
  const auto& md = obj.at("metadata");
  if (md.contains("namespace")) base += "/namespaces/" + md["namespace"].get<std::string>();
  base += "/" + plural.at(kind);
  return collection ? base : base + "/" + md.at("name").get<std::string>();
}

bool objectMatches(const json& want, const json& live) {
  if (want.is_object()) {
    if (!live.is_object()) return false;
    for (auto it = want.begin(); it != want.end(); ++it)
      if (!live.contains(it.key()) || !objectMatches(it.value(), live[it.key()])) return false;
    return true;
  }
  if (want.is_array()) {
    if (!live.is_array() || live.size() != want.size()) return false;
    for (size_t i = 0; i < want.size(); ++i)
      if (!objectMatches(want[i], live[i])) return false;
    return true;
  }
  return want == live;
}

}  // namespace kforge
