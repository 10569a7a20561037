// kube-proxy as kubeadm's addon phase installs it (ka/phases/addons/proxy/{proxy,manifests}.go): the
// ServiceAccount, RBAC, the kube-proxy ConfigMap (config.conf + kubeconfig.conf) and the DaemonSet.
// config.conf is the KubeProxyConfiguration kubeadm marshals: clusterCIDR, clientConnection.kubeconfig and
// bindAddress set, everything else at its zero value, serialized like kubeadm 1.31 (logging.options.text only
// from 1.30, as in the kubelet config). The zero-valued field set of 1.29/1.30 may differ slightly
// [unverified]; kube-proxy reads both the same way.
#include "bootstrap/addons.hpp"
#include "bootstrap/addons_util.hpp"
#include "core/yaml_writer.hpp"
#include "images/images.hpp"
#include "pki/cert_specs.hpp"

namespace kforge {

using nlohmann::json;
using namespace addons;
using yaml::Node;

namespace {
constexpr const char* kProxyConfigKey = "config.conf";
constexpr const char* kProxyKubeconfigKey = "kubeconfig.conf";
constexpr const char* kSaDir = "/var/run/secrets/kubernetes.io/serviceaccount";
}  // namespace

std::string renderKubeProxyConfig(const Cluster& c) {
  const Node zero("0s");
  const Node empty("");
  Node doc = Node::map();
  doc["apiVersion"] = "kubeproxy.config.k8s.io/v1alpha1";
  // kubeadm: the wildcard of the init node's advertise address family.
  const auto cps = c.controlPlaneHosts();
  doc["bindAddress"] = !cps.empty() && cps.front()->address.find(':') != std::string::npos ? "::" : "0.0.0.0";
  doc["bindAddressHardFail"] = false;
  Node& cc = doc["clientConnection"];
  cc["acceptContentTypes"] = empty;
  cc["burst"] = 0;
  cc["contentType"] = empty;
  cc["kubeconfig"] = std::string("/var/lib/kube-proxy/") + kProxyKubeconfigKey;
  cc["qps"] = 0;
  doc["clusterCIDR"] = c.networking.podSubnet;
  doc["configSyncPeriod"] = zero;
  Node& ct = doc["conntrack"];
  ct["maxPerCore"] = Node::null();
  ct["min"] = Node::null();
  ct["tcpBeLiberal"] = false;
  ct["tcpCloseWaitTimeout"] = Node::null();
  ct["tcpEstablishedTimeout"] = Node::null();
  ct["udpStreamTimeout"] = zero;
  ct["udpTimeout"] = zero;
  doc["detectLocal"]["bridgeInterface"] = empty;
  doc["detectLocal"]["interfaceNamePrefix"] = empty;
  doc["detectLocalMode"] = empty;
  doc["enableProfiling"] = false;
  doc["healthzBindAddress"] = empty;
  doc["hostnameOverride"] = empty;
  Node& ipt = doc["iptables"];
  ipt["localhostNodePorts"] = Node::null();
  ipt["masqueradeAll"] = false;
  ipt["masqueradeBit"] = Node::null();
  ipt["minSyncPeriod"] = zero;
  ipt["syncPeriod"] = zero;
  Node& ipvs = doc["ipvs"];
  ipvs["excludeCIDRs"] = Node::null();
  ipvs["minSyncPeriod"] = zero;
  ipvs["scheduler"] = empty;
  ipvs["strictARP"] = false;
  ipvs["syncPeriod"] = zero;
  ipvs["tcpFinTimeout"] = zero;
  ipvs["tcpTimeout"] = zero;
  ipvs["udpTimeout"] = zero;
  doc["kind"] = "KubeProxyConfiguration";
  Node& logging = doc["logging"];
  logging["flushFrequency"] = 0;
  logging["options"]["json"]["infoBufferSize"] = "0";
  if (c.kubernetesVersion >= Version{1, 30, 0, ""}) logging["options"]["text"]["infoBufferSize"] = "0";
  logging["verbosity"] = 0;
  doc["metricsBindAddress"] = empty;
  // kubeadm 1.37 writes the mode explicitly (kube-proxy warns when it is not set, before nftables becomes the
  // default): iptables.
  doc["mode"] = c.kubernetesVersion >= Version{1, 37, 0, ""} ? Node("iptables") : empty;
  Node& nft = doc["nftables"];
  nft["masqueradeAll"] = false;
  nft["masqueradeBit"] = Node::null();
  nft["minSyncPeriod"] = zero;
  nft["syncPeriod"] = zero;
  doc["nodePortAddresses"] = Node::null();
  doc["oomScoreAdj"] = Node::null();
  doc["portRange"] = empty;
  doc["showHiddenMetricsForVersion"] = empty;
  Node& win = doc["winkernel"];
  win["enableDSR"] = false;
  win["forwardHealthCheckVip"] = false;
  win["networkName"] = empty;
  win["rootHnsEndpointName"] = empty;
  win["sourceVip"] = empty;
  return chomp(yaml::write(doc));
}

std::string renderKubeProxyKubeconfig(const Cluster& c) {
  // kubeadm's template, key order as written there (not sorted).
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- cluster:\n"
         "    certificate-authority: " + std::string(kSaDir) + "/ca.crt\n"
         "    server: " + pki::endpointUrl(c) + "\n"
         "  name: default\n"
         "contexts:\n"
         "- context:\n"
         "    cluster: default\n"
         "    namespace: default\n"
         "    user: default\n"
         "  name: default\n"
         "current-context: default\n"
         "users:\n"
         "- name: default\n"
         "  user:\n"
         "    tokenFile: " + std::string(kSaDir) + "/token";
}

std::vector<json> kubeProxyObjects(const Cluster& c) {
  std::vector<json> out;
  out.push_back(object("v1", "ServiceAccount", "kube-proxy", kKubeSystem));
  out.push_back(clusterRoleBinding("kubeadm:node-proxier", "system:node-proxier",
                                   {serviceAccount(kKubeSystem, "kube-proxy")}));
  out.push_back(role(kKubeSystem, "kube-proxy", {rule({""}, {"configmaps"}, {"get"}, {"kube-proxy"})}));
  out.push_back(roleBinding(kKubeSystem, "kube-proxy", "kube-proxy", {group(kNodeBootstrapTokenGroup)}));

  json cm = configMap(kKubeSystem, "kube-proxy",
                      {{kProxyConfigKey, renderKubeProxyConfig(c)}, {kProxyKubeconfigKey, renderKubeProxyKubeconfig(c)}});
  cm["metadata"]["labels"] = {{"app", "kube-proxy"}};
  signConfigMap(cm);
  out.push_back(cm);

  const json labels = {{"k8s-app", "kube-proxy"}};
  json container = {
      {"name", "kube-proxy"},
      {"image", kubernetesImage(c, "kube-proxy")},
      {"imagePullPolicy", "IfNotPresent"},
      {"command",
       {"/usr/local/bin/kube-proxy", std::string("--config=/var/lib/kube-proxy/") + kProxyConfigKey,
        "--hostname-override=$(NODE_NAME)"}},
      {"resources", json::object()},  // kubeadm's Go struct marshals its empty resources
      {"securityContext", {{"privileged", true}}},
      {"volumeMounts",
       {{{"mountPath", "/var/lib/kube-proxy"}, {"name", "kube-proxy"}},
        {{"mountPath", "/run/xtables.lock"}, {"name", "xtables-lock"}},  // readOnly false: omitted, as kubeadm
        {{"mountPath", "/lib/modules"}, {"name", "lib-modules"}, {"readOnly", true}}}},
      {"env", {{{"name", "NODE_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}}}},
  };
  // kubeadm appends its own *_PROXY environment after NODE_NAME (phases/addons/proxy); kforge: spec.proxy.
  for (const auto& [name, value] : c.proxy.env()) container["env"].push_back({{"name", name}, {"value", value}});
  json podSpec = {
      {"priorityClassName", "system-node-critical"},
      {"containers", {container}},
      {"hostNetwork", true},
      {"serviceAccountName", "kube-proxy"},
      {"volumes",
       {{{"name", "kube-proxy"}, {"configMap", {{"name", "kube-proxy"}}}},
        {{"name", "xtables-lock"}, {"hostPath", {{"path", "/run/xtables.lock"}, {"type", "FileOrCreate"}}}},
        {{"name", "lib-modules"}, {"hostPath", {{"path", "/lib/modules"}}}}}},
      {"tolerations", {{{"operator", "Exists"}}}},
      {"nodeSelector", {{"kubernetes.io/os", "linux"}}},
  };
  json ds = object("apps/v1", "DaemonSet", "kube-proxy", kKubeSystem);
  ds["metadata"]["labels"] = labels;
  ds["spec"] = {{"selector", {{"matchLabels", labels}}},
                {"updateStrategy", {{"type", "RollingUpdate"}}},
                {"template", {{"metadata", {{"labels", labels}}}, {"spec", podSpec}}}};
  out.push_back(ds);
  return out;
}

}  // namespace kforge
