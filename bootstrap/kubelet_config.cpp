// /var/lib/kubelet/config.yaml as kubeadm's kubelet-start phase writes it: the KubeletConfiguration kubeadm
// builds (ka/componentconfigs/kubelet.go) serialized with Go's zero-valued durations ("0s") and the defaulted
// fields kubeadm's serializer keeps, per Kubernetes minor:
//   1.29: logging.options.json only;  1.30+: logging.options.text too;  1.32+: crashLoopBackOff: {}.
#include "bootstrap/kubelet_flags.hpp"
#include "bootstrap/manifests.hpp"
#include "core/error.hpp"
#include "core/net.hpp"
#include "core/yaml_writer.hpp"

namespace kforge {

std::string clusterDnsAddress(const Cluster& c) {
  const std::string& subnets = c.networking.serviceSubnet;
  const std::string first = subnets.substr(0, subnets.find(','));  // dual-stack: kubeadm uses the first
  auto cidr = Cidr::parse(first);
  if (!cidr) throw Error("networking.serviceSubnet \"" + subnets + "\" is not a CIDR", ExitCode::InvalidInput);
  return cidr->nth(10).str();
}

namespace {

std::string render(const Cluster& c, const HostFacts& facts, bool nodeLocal) {
  using yaml::Node;
  const Version& k = c.kubernetesVersion;
  const Node zero("0s");

  Node doc = Node::map();
  doc["apiVersion"] = "kubelet.config.k8s.io/v1beta1";
  doc["kind"] = "KubeletConfiguration";

  Node& authn = doc["authentication"];
  authn["anonymous"]["enabled"] = false;
  authn["webhook"]["cacheTTL"] = zero;
  authn["webhook"]["enabled"] = true;
  authn["x509"]["clientCAFile"] = std::string(kPkiDir) + "/ca.crt";

  Node& authz = doc["authorization"];
  authz["mode"] = "Webhook";
  authz["webhook"]["cacheAuthorizedTTL"] = zero;
  authz["webhook"]["cacheUnauthorizedTTL"] = zero;

  doc["cgroupDriver"] = "systemd";
  doc["clusterDNS"] = Node::seqOf({clusterDnsAddress(c)});
  doc["clusterDomain"] = c.networking.dnsDomain;
  // Before 1.34 kubeadm passes the CRI socket as a flag (kubeadm-flags.env); from 1.34 it patches
  // instance-config.yaml's containerRuntimeEndpoint into this file (bootstrap/kubelet_flags.cpp).
  doc["containerRuntimeEndpoint"] = nodeLocal && usesNodeLocalCriSocket(k) ? criEndpoint(facts.criSocket) : "";
  doc["cpuManagerReconcilePeriod"] = zero;
  if (k >= Version{1, 32, 0, ""}) doc["crashLoopBackOff"] = Node::map();
  doc["evictionPressureTransitionPeriod"] = zero;
  doc["fileCheckFrequency"] = zero;
  doc["healthzBindAddress"] = "127.0.0.1";
  doc["healthzPort"] = 10248;
  doc["httpCheckFrequency"] = zero;
  doc["imageMaximumGCAge"] = zero;
  doc["imageMinimumGCAge"] = zero;

  Node& logging = doc["logging"];
  logging["flushFrequency"] = 0;
  logging["options"]["json"]["infoBufferSize"] = "0";
  if (k >= Version{1, 30, 0, ""}) logging["options"]["text"]["infoBufferSize"] = "0";
  logging["verbosity"] = 0;

  doc["memorySwap"] = Node::map();
  doc["nodeStatusReportFrequency"] = zero;
  doc["nodeStatusUpdateFrequency"] = zero;
  if (!facts.resolvConf.empty()) doc["resolvConf"] = facts.resolvConf;
  doc["rotateCertificates"] = true;
  doc["runtimeRequestTimeout"] = zero;
  doc["shutdownGracePeriod"] = zero;
  doc["shutdownGracePeriodCriticalPods"] = zero;
  doc["staticPodPath"] = kManifestsDir;
  doc["streamingConnectionIdleTimeout"] = zero;
  doc["syncFrequency"] = zero;
  doc["volumeStatsAggPeriod"] = zero;
  return yaml::write(doc);
}

}  // namespace

std::string renderKubeletConfig(const Cluster& c, const HostFacts& facts) { return render(c, facts, true); }

std::string renderClusterKubeletConfig(const Cluster& c) { return render(c, {}, false); }

}  // namespace kforge
