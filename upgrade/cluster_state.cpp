#include "upgrade/cluster_state.hpp"

#include "bootstrap/etcd_access.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "kube/client.hpp"

namespace kforge::upgrade {

const MirrorPod* ClusterState::mirror(const std::string& node, const std::string& component) const {
  for (const auto& p : mirrorPods)
    if (p.node == node && p.component == component) return &p;
  return nullptr;
}

std::optional<Version> ClusterState::imageVersion(const std::string& image) {
  auto colon = image.rfind(':');
  if (colon == std::string::npos || image.find('/', colon) != std::string::npos) return std::nullopt;
  std::string tag = image.substr(colon + 1);
  // etcd's tags are "3.6.8-0": the version without the image revision
  if (auto dash = tag.find('-'); dash != std::string::npos && tag[0] != 'v') tag = tag.substr(0, dash);
  return Version::parse(tag);
}

std::optional<Version> ClusterState::oldestApiServer() const {
  std::optional<Version> oldest;
  for (const auto& p : mirrorPods) {
    if (p.component != "kube-apiserver") continue;
    auto v = imageVersion(p.image);
    if (v && (!oldest || *v < *oldest)) oldest = v;
  }
  return oldest;
}

std::vector<MirrorPod> readMirrorPods(kube::KubeClient& client) {
  std::vector<MirrorPod> out;
  auto list = client.list("/api/v1/namespaces/kube-system/pods", "tier=control-plane");
  for (const auto& p : list.value("items", nlohmann::json::array())) {
    const auto& md = p["metadata"];
    auto ann = md.value("annotations", nlohmann::json::object());
    if (!ann.contains("kubernetes.io/config.mirror")) continue;
    MirrorPod m;
    m.node = p["spec"].value("nodeName", "");
    m.component = md.value("labels", nlohmann::json::object()).value("component", "");
    auto containers = p["spec"].value("containers", nlohmann::json::array());
    if (!containers.empty()) m.image = containers[0].value("image", "");
    m.configHash = ann.value("kubernetes.io/config.hash", "");
    if (p.contains("status"))
      for (const auto& c : p["status"].value("conditions", nlohmann::json::array()))
        if (c.value("type", "") == "Ready") m.ready = c.value("status", "") == "True";
    out.push_back(m);
  }
  return out;
}

NodeState readNode(const nlohmann::json& node) {
  NodeState n;
  n.name = node["metadata"].value("name", "");
  auto ann = node["metadata"].value("annotations", nlohmann::json::object());
  n.cordonedByKforge = ann.contains(kCordonedByAnnotation);
  n.unschedulable = node.contains("spec") && node["spec"].value("unschedulable", false);
  if (node.contains("status")) {
    const auto& st = node["status"];
    if (st.contains("nodeInfo")) n.kubeletVersion = st["nodeInfo"].value("kubeletVersion", "");
    for (const auto& c : st.value("conditions", nlohmann::json::array()))
      if (c.value("type", "") == "Ready") n.ready = c.value("status", "") == "True";
  }
  return n;
}

ClusterState observeCluster(const Cluster& target, Applier& applier, const std::string& stateDir) {
  ClusterState s;
  s.base = applier.observe();
  if (!s.base.unreachable.empty()) {
    std::string msg;
    for (const auto& [h, why] : s.base.unreachable) msg += (msg.empty() ? "" : "; ") + h + ": " + why;
    throw Error("cannot upgrade with unreachable hosts (nothing changed): " + msg, ExitCode::Unreachable);
  }
  if (!s.base.etcdUp || !s.base.apiUp)
    throw Error(std::string("cannot upgrade: ") + (!s.base.etcdUp ? "no etcd member answers" : "the API endpoint " +
                target.endpointHostPort() + " does not answer") +
                    " (kforge upgrade needs a running cluster; `kforge apply` builds one)",
                ExitCode::Preflight);
  for (const Host* h : target.etcdHosts()) {
    try {
      auto client = etcdClientFor(target, stateDir);
      client->setRetryFor(std::chrono::seconds(0));
      auto st = client->status(etcdClientEndpoint(*h));
      s.etcd[h->name] = st;
    } catch (const Error& e) {
      s.etcdErrors[h->name] = e.what();
    }
  }
  auto client = kube::KubeClient::fromKubeconfig(stateDir + "/admin.conf");
  s.mirrorPods = readMirrorPods(client);
  for (const auto& [name, json] : s.base.nodes) s.nodes[name] = readNode(nlohmann::json::parse(json));
  s.pdbs = client.list("/apis/policy/v1/poddisruptionbudgets").value("items", nlohmann::json::array());
  if (auto cm = client.getIfExists("/api/v1/namespaces/kube-system/configmaps/coredns"))
    s.corefile = (*cm).value("data", nlohmann::json::object()).value("Corefile", "");
  return s;
}

}  // namespace kforge::upgrade
