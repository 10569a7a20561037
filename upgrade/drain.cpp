#include "upgrade/drain.hpp"

#include <map>
#include <set>
#include <thread>

#include "bootstrap/wait.hpp"
#include "core/error.hpp"
#include "kube/client.hpp"
#include "upgrade/cluster_state.hpp"

namespace kforge::upgrade {

std::vector<nlohmann::json> podsToEvict(const std::vector<nlohmann::json>& podsOnNode) {
  std::vector<nlohmann::json> out;
  for (const auto& p : podsOnNode) {
    const auto& md = p.value("metadata", nlohmann::json::object());
    if (md.value("annotations", nlohmann::json::object()).contains("kubernetes.io/config.mirror")) continue;
    if (md.contains("deletionTimestamp")) continue;
    bool daemon = false;
    for (const auto& o : md.value("ownerReferences", nlohmann::json::array()))
      if (o.value("kind", "") == "DaemonSet" && o.value("controller", false)) daemon = true;
    if (daemon) continue;
    std::string phase = p.value("status", nlohmann::json::object()).value("phase", "");
    if (phase == "Succeeded" || phase == "Failed") continue;
    out.push_back(p);
  }
  return out;
}

void cordonNode(kube::KubeClient& client, const std::string& node, const std::string& runId) {
  auto n = client.getNode(node);
  NodeState st = readNode(n);
  if (st.unschedulable && !st.cordonedByKforge) return;  // someone else's cordon: theirs to lift
  if (st.cordonedByKforge) return;
  client.mergePatch("/api/v1/nodes/" + node,
                    {{"metadata", {{"annotations", {{kCordonedByAnnotation, runId}}}}}, {"spec", {{"unschedulable", true}}}});
}

bool uncordonIfOurs(kube::KubeClient& client, const std::string& node) {
  auto n = client.getNode(node);
  if (!readNode(n).cordonedByKforge) return false;
  client.mergePatch("/api/v1/nodes/" + node,
                    {{"metadata", {{"annotations", {{kCordonedByAnnotation, nullptr}}}}}, {"spec", {{"unschedulable", nullptr}}}});
  return true;
}

namespace {
// The budgets in the pod's namespace whose matchLabels select it, with what they allow: "ns/name (0 allowed)".
std::vector<std::string> budgetsOf(kube::KubeClient& client, const std::string& nsName) {
  std::vector<std::string> out;
  try {
    auto slash = nsName.find('/');
    std::string ns = nsName.substr(0, slash), name = nsName.substr(slash + 1);
    auto pod = client.get("/api/v1/namespaces/" + ns + "/pods/" + name);
    auto labels = pod["metadata"].value("labels", nlohmann::json::object());
    auto list = client.list("/apis/policy/v1/namespaces/" + ns + "/poddisruptionbudgets");
    for (const auto& b : list.value("items", nlohmann::json::array())) {
      const auto& sel = b["spec"].value("selector", nlohmann::json::object());
      bool match = true;
      // Named first: items() of a temporary would dangle in the range-for.
      const nlohmann::json matchLabels = sel.value("matchLabels", nlohmann::json::object());
      for (const auto& [k, v] : matchLabels.items())
        if (!labels.contains(k) || labels[k] != v) match = false;
      if (match)
        out.push_back(ns + "/" + b["metadata"].value("name", "") + " (" +
                      std::to_string(b.value("status", nlohmann::json::object()).value("disruptionsAllowed", 0)) +
                      " disruptions allowed)");
    }
  } catch (const Error&) {
  }
  return out;
}
}  // namespace

std::string drainNode(kube::KubeClient& client, const std::string& node, std::chrono::seconds timeout) {
  std::map<std::string, std::string> blockedBy;  // pod -> the API server's message
  std::set<std::string> evicted;
  try {
    waitUntil(timeout, "node " + node + " to drain", [&]() -> std::string {
      auto pods = podsToEvict(client.listPodsOnNode(node));
      if (pods.empty()) return "";
      for (const auto& p : pods) {
        std::string ns = p["metadata"].value("namespace", ""), name = p["metadata"].value("name", "");
        kube::EvictionResult r;
        try {
          r = client.evictPod(ns, name);
        } catch (const Error& e) {
          // e.g. 500 "This pod has more than one PodDisruptionBudget, which the eviction subresource does not
          // support": kubectl drain retries these too; the timeout names them.
          blockedBy[ns + "/" + name] = e.what();
          continue;
        }
        if (r.outcome == kube::EvictionOutcome::BlockedByPdb)
          blockedBy[ns + "/" + name] = r.message;
        else {
          blockedBy.erase(ns + "/" + name);
          evicted.insert(ns + "/" + name);
        }
      }
      return std::to_string(pods.size()) + " pod(s) left";
    });
  } catch (const Error& e) {
    std::string msg = "drain of " + node + " timed out after " + std::to_string(timeout.count()) + " s";
    if (!blockedBy.empty()) {
      msg += "; evictions refused (PodDisruptionBudget):";
      for (const auto& [pod, why] : blockedBy) {
        msg += " pod " + pod + " (" + why + ")";
        for (const auto& b : budgetsOf(client, pod)) msg += " [PodDisruptionBudget " + b + "]";
      }
    } else {
      msg += ": " + std::string(e.what());
    }
    throw Error(msg, ExitCode::Blocked);
  }
  return std::to_string(evicted.size()) + " pod(s) evicted";
}

}  // namespace kforge::upgrade
