// `kforge plan` / `kforge apply`: observe every host (facts in parallel, etcd membership), preflight, compute
// the plan from the difference between the inventory and what is there, then run it. A re-run after any
// interruption observes again and plans only what is left; a healthy cluster plans nothing.
//
// Phases, in order (kubeadm's init/join phases, k0sctl's phase manager), one file each (bootstrap/phases.hpp):
//   files          PKI, kubeconfigs, kubelet config and unit on every host (changed files moved aside first)
//   kubelet        (re)start the kubelet where its unit changed or it is not running
//   etcd           first member alone ("new"); each other member: add as learner -> start with "existing" ->
//                  promote -> wait healthy. A member whose manifest changes restarts: etcd backup first.
//   control-plane  kube-apiserver, controller-manager, scheduler manifests; wait for /readyz on every host
//   restart        components whose certificates or kubeconfigs changed since they started: one at a time
//                  (etcd, leader last, then apiserver, controller-manager, scheduler, kubelet), verified
//   addons         kubeadm:cluster-admins binding, CoreDNS, kube-proxy through the API (bootstrap/addons.hpp)
//   nodes          wait for every node to register; apply node-pool labels and taints
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bootstrap/component_restart.hpp"
#include "bootstrap/expected_files.hpp"
#include "bootstrap/facts.hpp"
#include "bootstrap/wait.hpp"  // waitedSeconds
#include "bootstrap/preflight.hpp"
#include "core/inventory.hpp"
#include "core/plan.hpp"
#include "core/progress.hpp"
#include "etcdctl/client.hpp"

namespace kforge {

namespace ssh {
class Fleet;
}

struct ApplyOptions {
  std::string stateDir;
  std::string backupDir;
  std::set<std::string> ignorePreflight;  // lowercase check names or "all"
  std::chrono::seconds waitTimeout{300};
  // Set by restore: every etcd host's data dir holds the same restored cluster, so when no member answers,
  // all members start at once (none is "new", none joins) and the plan waits for each to be healthy.
  bool etcdRestored = false;
};

struct Observation {
  std::map<std::string, NodeFacts> facts;          // host name -> facts
  std::map<std::string, std::string> unreachable;  // host name -> why
  bool etcdUp = false;                             // some member answered
  std::vector<etcd::Member> members;
  uint64_t etcdLeader = 0;                         // the leader's member id (0 = not known)
  std::map<std::string, HostRuntime> runtime;      // host name -> component processes and /etc/kubernetes file times
  std::map<std::string, bool> apiReady;            // control-plane host -> /readyz answered ok
  bool apiUp = false;                              // the endpoint's API answered
  std::map<std::string, std::string> nodes;        // registered node name -> its JSON
  std::string apiServerVersion;                    // the endpoint's /version gitVersion ("" when it does not answer)
  std::vector<std::string> addonsToApply;          // object paths that are missing or differ (all when API is down)
};

class Applier {
 public:
  Applier(const Cluster& c, ApplyOptions o, Progress& progress);
  ~Applier();

  Observation observe();
  std::vector<PreflightFinding> preflight(const Observation& obs) const;
  // Refuses (ExitCode::InvalidInput) an inventory whose kubernetesVersion is older than what the cluster runs
  // (an API server's /version or a kubelet): applying it would downgrade; after `kforge upgrade`, the user
  // commits the new version in the inventory. Also refuses a newer one: that is `kforge upgrade`'s job.
  void refuseDowngrade(const Observation& obs) const;
  Plan plan(const Observation& obs);

  // The etcd client for this cluster (every etcd host's client URL; the state dir's etcd CA and the first
  // etcd host's healthcheck-client certificate).
  etcd::Client& etcdClient();
  ssh::Fleet& fleet() { return *fleet_; }
  const ApplyOptions& options() const { return o_; }
  const Cluster& cluster() const { return c_; }
  // Takes a verified etcd backup into o.backupDir before a risky step, or throws (the step is refused).
  // runningVersion: the release the cluster runs, recorded in the backup's metadata (default: the inventory's;
  // an upgrade passes the release it upgrades from).
  void backupBefore(const Step& step, const std::string& runningVersion = "");

  // The machinery phases' steps run on (bootstrap/phases.hpp):
  // Uploads files; those that exist with other content are first copied to
  // /etc/kubernetes/tmp/kforge-backup-<run time>/ (never inside the manifests directory).
  std::string uploadWithBackup(const Host& h, const FileSet& files, const NodeFacts& f);
  // Waits until h's etcd member answers with a leader (and is a voter when mustBeVoter).
  void waitEtcdMember(const Host& h, bool mustBeVoter);
  // Waits until h's kube-apiserver answers /readyz.
  void waitApiReady(const Host& h);
  // One look at h's kube-apiserver /readyz: "" when it answers ok, else why not.
  std::string apiReadyz(const Host& h);
  // Waits until the controlPlaneEndpoint answers /readyz: a load balancer in front of the API servers only sends
  // to one after its own health check saw it ready, some time after the API server itself was (kubeadm init
  // waits through the endpoint too). Everything after the control-plane phase talks through the endpoint.
  void waitEndpointReady();
  // "https://address:bindPort".
  std::string apiUrl(const std::string& address) const;
  // Waits for node h to register, then patches its labels, annotations and taints.
  std::string labelAndTaint(const Host& h, const std::string& criSocket);
  // Binds kubeadm:cluster-admins, then applies the addon objects at these paths.
  std::string applyAddons(const std::vector<std::string>& paths);
  // The backup directory name's time stamp of this run.
  const std::string& runStamp() const { return runStamp_; }

 private:

  const Cluster& c_;
  ApplyOptions o_;
  Progress& progress_;
  std::unique_ptr<ssh::Fleet> fleet_;
  std::unique_ptr<etcd::Client> etcd_;
  etcd::TlsFiles etcdTls_;
  std::string runStamp_;
  std::map<std::string, ExpectedFiles> expected_;  // of the last plan(): its steps refer to it
};

// Paths the facts script hashes (everything kforge writes to a host).
std::vector<std::string> watchedPaths(const Cluster& c);

}  // namespace kforge
