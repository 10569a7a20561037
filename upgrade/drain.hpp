// Cordon and drain, kubectl drain's rules through the Eviction API (PodDisruptionBudgets are honoured by the
// API server, which answers 429 while a budget forbids the eviction): mirror pods, DaemonSet pods and pods
// that already finished stay; every other pod on the node is evicted and waited for until it is gone. A node
// kforge cordons carries the annotation kforge.dev/cordoned-by, so only what kforge cordoned is uncordoned —
// after a failure, and after a kill and a re-run.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kforge::kube {
class KubeClient;
}

namespace kforge::upgrade {

// Pods of `podsOnNode` a drain evicts (kubectl drain --ignore-daemonsets --delete-emptydir-data): not mirror
// pods, not DaemonSet-owned, not Succeeded/Failed, not already being deleted.
std::vector<nlohmann::json> podsToEvict(const std::vector<nlohmann::json>& podsOnNode);

// Cordons the node (marking it as kforge's) unless it is already unschedulable by someone else.
void cordonNode(kube::KubeClient& client, const std::string& node, const std::string& runId);
// Uncordons the node only when kforge cordoned it (removes the mark). Returns whether it did.
bool uncordonIfOurs(kube::KubeClient& client, const std::string& node);

// Evicts every pod podsToEvict names until they are gone, retrying evictions a budget refuses every second.
// After `timeout` throws kforge::Error(ExitCode::Blocked) naming the pods left and the budget's message;
// the caller uncordons (uncordonIfOurs). Returns "N pods evicted".
std::string drainNode(kube::KubeClient& client, const std::string& node, std::chrono::seconds timeout);

}  // namespace kforge::upgrade
