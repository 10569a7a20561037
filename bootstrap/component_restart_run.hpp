// Restarting a running component so that it reads its files again (bootstrap/component_restart.hpp says
// when), verified by what runs afterwards.
//
// A static pod: the mechanism a real kubelet honours (kubeadm's documented way to restart a static pod after
// renewing certificates): its manifest is moved out of /etc/kubernetes/manifests to
// /etc/kubernetes/tmp/kforge-restart-<run>/ (same filesystem: a rename), kforge waits until the kubelet has
// acted on it — the component's process is gone from the host (not "its mirror pod is gone": a control plane's
// kubelet talks to its own API server, which cannot delete anything while it is the one stopped) — and only
// then moves it back (moving it back sooner can go unnoticed: the kubelet re-lists the
// directory and finds the same pod). Then kforge waits for a NEW process of the component on the host, a mirror
// pod with a new container ID, Ready, and the component's own check (`verify`: serving the new serial, etcd
// member caught up, ...). A run killed in between leaves the manifest in the tmp directory: the next apply sees
// the manifest missing and writes it again (the control-plane or etcd phase), which starts the component.
//
// The kubelet: `systemctl restart kubelet`, then a new kubelet process, and its Node's Lease renewed by it.
#pragma once
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/inventory.hpp"

namespace kforge {

class Applier;

struct ComponentRestart {
  const Host* host = nullptr;
  std::string component;  // etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet
  std::chrono::seconds timeout{300};
  // After the restart: "" when the component is healthy and uses its new files, else why not (may throw).
  std::function<std::string()> verify;
  // The files that made the restart necessary. Re-checked when the step runs: when every process of the
  // component already started after all of them (it was restarted meanwhile: a controller-manager that lost its
  // leader lease while its local API server was down exits and is restarted by the kubelet), it is not
  // restarted again, only verified.
  std::vector<std::string> because;
  // Whether the mirror pod is checked too (a new container ID, Ready). Off while the host's own API server is
  // held down: its kubelet reports through it (ControlPlaneKubeletLocalMode), so the mirror pod cannot change.
  bool mirror = true;
  // Run while the component is stopped, before its manifest is moved back (work on etcd while the local API
  // server is held down, bootstrap/local_api_server_down.hpp).
  std::function<void()> whileStopped;
};

// Returns a detail for the progress line ("pid 123 -> 456, ..."); throws kforge::Error on a timeout (the
// manifest is put back in place first).
std::string restartComponent(Applier& a, const ComponentRestart& r);

}  // namespace kforge
