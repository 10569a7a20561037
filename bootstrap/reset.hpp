// `kforge reset [--host H]`: take hosts out of the cluster and clean them, kubeadm-reset style, safely:
//   1. etcd members first leave etcd (quorum checked: a removal that would leave fewer healthy members than the
//      smaller cluster's quorum is refused; the last member is only reset with --force), after a verified backup;
//   2. after step 3 (a running kubelet would register it again), the Node object is deleted from the API;
//   3. on the host: static-pod manifests are moved out (the kubelet stops the pods), the kubelet and an etcd unit
//      are stopped and disabled, and everything kforge wrote — /etc/kubernetes/*, the etcd data dir, the kubelet
//      config and unit — is MOVED to /var/lib/kforge/reset-<time>/ on that host, never deleted.
#pragma once
#include <string>
#include <vector>

#include "bootstrap/apply.hpp"

namespace kforge {

struct ResetOptions {
  std::vector<std::string> hosts;  // empty = every host of the inventory
  bool force = false;              // allow resetting the last etcd member
};

// Plans the reset (nothing runs until runPlan). Throws kforge::Error when the reset is refused. The plan starts
// with a check on every host to be cleaned that its etcd data dir looks like one (bootstrap/etcd_data_dir_guard.hpp).
Plan planReset(const Cluster& c, Applier& applier, const Observation& obs, const ResetOptions& o);

// The shell script that cleans host h (step 3), files moved to /var/lib/kforge/reset-<stamp>/ (exposed for tests).
// It starts with the data dir check, before anything is moved.
std::string resetCleanScript(const Cluster& c, const Host& h, const std::string& stamp);

}  // namespace kforge
