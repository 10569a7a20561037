// Holding a control plane's own kube-apiserver down around work on its stacked etcd member (kubeadm#2991), for
// apply's certificate restart of etcd (bootstrap/phase_restart.cpp) and upgrade's etcd member phase
// (upgrade/phase_etcd_members.cpp). A stacked member's local API server talks to it alone: while the member shuts
// down (it waits for the API server's watch streams) and starts again, that API server would keep taking requests
// from the endpoint's load balancer and let them hang. So it is stopped first (its manifest moved aside to
// /etc/kubernetes/tmp/kforge-restart-<run>/ by restartComponent: /readyz fails at once, new connections are refused
// and the balancer sends them to the others), the work is done, the manifest is put back, and kforge waits for a new
// kube-apiserver process that answers /readyz. Meanwhile the host's kubelet cannot report (it talks to that API
// server), so the work must judge what runs on the host, not mirror pods.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/inventory.hpp"

namespace kforge {

class Applier;

// Whether h runs a kube-apiserver that talks to its own etcd member alone: stacked etcd, h a control plane, and a
// kube-apiserver process running on it now.
bool runsLocalApiServer(Applier& a, const Host& h);

// Runs `work` while h's kube-apiserver is down (see above), then starts it again and waits up to `timeout` for a new
// process, its mirror pod Ready and `verify` ("" = the API server is back; Applier::apiReadyz when none is given).
// Returns the restart's detail for the progress line; throws kforge::Error when the API server does not stop or
// come back, and rethrows what `work` throws (the manifest put back first).
std::string withLocalApiServerDown(Applier& a, const Host& h, std::chrono::seconds timeout,
                                   const std::function<void()>& work, std::function<std::string()> verify = {});

// What a kforge run killed while it held a static pod down left behind: the manifest still in
// /etc/kubernetes/tmp/kforge-restart-<run>/ and none of that name in the manifests directory — the component
// stays stopped until somebody puts it back. Read-only.
struct HeldDown {
  std::string component;  // "kube-apiserver"
  std::string aside;      // where its manifest is
};
std::vector<HeldDown> heldDownComponents(Applier& a, const Host& h);
// Puts each manifest back (never over one that is there again) and, for kube-apiserver, waits up to `timeout` for
// /readyz on h. Returns the detail for the progress line; throws kforge::Error.
std::string putBackHeldDown(Applier& a, const Host& h, const std::vector<HeldDown>& held, std::chrono::seconds timeout);

}  // namespace kforge
