// CoreDNS as kubeadm's addon phase installs it (ka/phases/addons/dns/{dns,manifests}.go): ServiceAccount,
// ClusterRole + ClusterRoleBinding system:coredns, the coredns ConfigMap (Corefile), the coredns Deployment
// and the kube-dns Service on the 10th address of the service subnet.
// Per release (kubeadm's dns/manifests.go in each release's source and CHANGELOG): the Corefile's
// "cache 30 { disable success/denial <domain> }" block since 1.32 (#128359; before: "cache 30"), and the probes
// on the named container ports liveness-probe (8080) / readiness-probe (8181) since 1.34 (#131587; before: the
// port numbers, no such container ports).
#include "bootstrap/addons.hpp"
#include "bootstrap/addons_util.hpp"
#include "bootstrap/manifests.hpp"
#include "images/images.hpp"

namespace kforge {

using nlohmann::json;
using namespace addons;

std::string renderCorefile(const Cluster& c) {
  const std::string& d = c.networking.dnsDomain;
  return ".:53 {\n"
         "    errors\n"
         "    health {\n"
         "       lameduck 5s\n"
         "    }\n"
         "    ready\n"
         "    kubernetes " + d + " in-addr.arpa ip6.arpa {\n"
         "       pods insecure\n"
         "       fallthrough in-addr.arpa ip6.arpa\n"
         "       ttl 30\n"
         "    }\n"
         "    prometheus :9153\n"
         "    forward . /etc/resolv.conf {\n"
         "       max_concurrent 1000\n"
         "    }\n"
         + (c.kubernetesVersion >= Version{1, 32, 0, ""}
                ? "    cache 30 {\n"
                  "       disable success " + d + "\n"
                  "       disable denial " + d + "\n"
                  "    }\n"
                : std::string("    cache 30\n")) +
         "    loop\n"
         "    reload\n"
         "    loadbalance\n"
         "}\n";
}

std::vector<json> corednsObjects(const Cluster& c, int replicas) {
  std::vector<json> out;
  out.push_back(object("v1", "ServiceAccount", "coredns", kKubeSystem));
  out.push_back(clusterRole("system:coredns", {rule({""}, {"endpoints", "services", "pods", "namespaces"}, {"list", "watch"}),
                                               rule({"discovery.k8s.io"}, {"endpointslices"}, {"list", "watch"})}));
  out.push_back(clusterRoleBinding("system:coredns", "system:coredns", {serviceAccount(kKubeSystem, "coredns")}));
  out.push_back(configMap(kKubeSystem, "coredns", {{"Corefile", renderCorefile(c)}}));

  const json labels = {{"k8s-app", "kube-dns"}};
  const bool named = c.kubernetesVersion >= Version{1, 34, 0, ""};
  auto port = [](int n, const char* name, const char* proto) {
    return json{{"containerPort", n}, {"name", name}, {"protocol", proto}};
  };
  json container = {
      {"name", "coredns"},
      {"image", corednsImage(c.kubernetesVersion, c.images.repository)},
      {"imagePullPolicy", "IfNotPresent"},
      {"resources", {{"limits", {{"memory", "170Mi"}}}, {"requests", {{"cpu", "100m"}, {"memory", "70Mi"}}}}},
      {"args", {"-conf", "/etc/coredns/Corefile"}},
      {"volumeMounts", {{{"name", "config-volume"}, {"mountPath", "/etc/coredns"}, {"readOnly", true}}}},
      {"ports", named ? json{port(53, "dns", "UDP"), port(53, "dns-tcp", "TCP"), port(9153, "metrics", "TCP"),
                             port(8080, "liveness-probe", "TCP"), port(8181, "readiness-probe", "TCP")}
                      : json{port(53, "dns", "UDP"), port(53, "dns-tcp", "TCP"), port(9153, "metrics", "TCP")}},
      {"livenessProbe",
       {{"httpGet", {{"path", "/health"}, {"port", named ? json("liveness-probe") : json(8080)}, {"scheme", "HTTP"}}},
        {"initialDelaySeconds", 60},
        {"timeoutSeconds", 5},
        {"successThreshold", 1},
        {"failureThreshold", 5}}},
      {"readinessProbe",
       {{"httpGet", {{"path", "/ready"}, {"port", named ? json("readiness-probe") : json(8181)}, {"scheme", "HTTP"}}}}},
      {"securityContext",
       {{"allowPrivilegeEscalation", false},
        {"capabilities", {{"add", {"NET_BIND_SERVICE"}}, {"drop", {"ALL"}}}},
        {"readOnlyRootFilesystem", true}}},
  };
  json podSpec = {
      {"priorityClassName", "system-cluster-critical"},
      {"serviceAccountName", "coredns"},
      {"affinity",
       {{"podAntiAffinity",
         {{"preferredDuringSchedulingIgnoredDuringExecution",
           {{{"weight", 100},
             {"podAffinityTerm",
              {{"labelSelector",
                {{"matchExpressions", {{{"key", "k8s-app"}, {"operator", "In"}, {"values", {"kube-dns"}}}}}}},
               {"topologyKey", "kubernetes.io/hostname"}}}}}}}}}},
      {"tolerations",
       {{{"key", "CriticalAddonsOnly"}, {"operator", "Exists"}}, {{"key", kControlPlaneTaintKey}, {"effect", "NoSchedule"}}}},
      {"nodeSelector", {{"kubernetes.io/os", "linux"}}},
      {"containers", {container}},
      {"dnsPolicy", "Default"},
      {"volumes",
       {{{"name", "config-volume"},
         {"configMap", {{"name", "coredns"}, {"items", {{{"key", "Corefile"}, {"path", "Corefile"}}}}}}}}},
  };
  json deploy = object("apps/v1", "Deployment", "coredns", kKubeSystem);
  deploy["metadata"]["labels"] = labels;
  deploy["spec"] = {{"replicas", replicas},
                    {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", 1}}}}},
                    {"selector", {{"matchLabels", labels}}},
                    {"template", {{"metadata", {{"labels", labels}}}, {"spec", podSpec}}}};
  out.push_back(deploy);

  auto svcPort = [](const char* name, int n, const char* proto) {
    return json{{"name", name}, {"port", n}, {"protocol", proto}, {"targetPort", n}};
  };
  json svc = object("v1", "Service", "kube-dns", kKubeSystem);
  svc["metadata"]["labels"] = {{"k8s-app", "kube-dns"}, {"kubernetes.io/cluster-service", "true"}, {"kubernetes.io/name", "CoreDNS"}};
  svc["metadata"]["annotations"] = {{"prometheus.io/port", "9153"}, {"prometheus.io/scrape", "true"}};
  svc["spec"] = {{"clusterIP", clusterDnsAddress(c)},
                 {"ports", {svcPort("dns", 53, "UDP"), svcPort("dns-tcp", 53, "TCP"), svcPort("metrics", 9153, "TCP")}},
                 {"selector", labels}};
  out.push_back(svc);
  return out;
}

}  // namespace kforge
