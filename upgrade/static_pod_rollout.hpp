// Moving one host's static pods to new manifests and waiting for what actually runs (kubeadm's
// upgrade/staticpods.go, with kforge's checks): the old manifests are kept under
// /etc/kubernetes/tmp/kforge-backup-<run>/ (never in the manifests directory: the kubelet reads every file
// there), the new ones are written atomically, then kforge waits until every changed component's mirror pod
// carries a new kubernetes.io/config.hash AND the new image AND is Ready, and the component's own health check
// passes (etcd member healthy and caught up, /readyz). When that does not happen within the bound, the old
// manifests are put back, kforge waits until the old pods are Ready again, and the run stops naming the host
// and the component (exit 8).
#pragma once
#include <chrono>
#include <functional>
#include <string>

#include "bootstrap/apply.hpp"

namespace kforge::upgrade {

struct Rollout {
  const Host* host = nullptr;
  FileSet files;                 // the new manifests (etcd.yaml, or the three control-plane ones)
  std::string targetVersion;     // for messages: "v1.37.2" / "etcd 3.7.0"
  std::chrono::seconds timeout{300};
  // The component's own health beyond its mirror pod ("" = healthy, else why not); may throw kforge::Error.
  std::function<std::string()> healthy;
  // false while the host's own API server is held down (phase etcd, stacked): its kubelet reports through that
  // API server (ControlPlaneKubeletLocalMode), so mirror pods cannot change meanwhile. What runs is then judged
  // on the host: a NEW process of each component (none of the ones running before) and `healthy`, which must
  // not check: `runsTarget` does (the version the component reports). Rollback waits the same way. The mirror pod is checked afterwards, by a
  // second call with the API server back (the manifests are then in place: nothing is written again).
  bool viaMirror = true;
  std::function<std::string()> runsTarget;  // with viaMirror false: "" when the new version runs, else why not
};

// The image a rendered manifest runs (its container's `image:`), "" if none.
std::string manifestImage(const std::string& manifestYaml);

// Returns a detail for the progress line; throws kforge::Error(ExitCode::RolledBack) after a rollback.
std::string rolloutStaticPods(Applier& a, const Rollout& r);

}  // namespace kforge::upgrade
