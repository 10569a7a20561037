#include "bootstrap/component_restart_run.hpp"

#include <algorithm>
#include <optional>
#include <nlohmann/json.hpp>

#include "bootstrap/apply.hpp"
#include "bootstrap/component_restart.hpp"
#include "bootstrap/manifests.hpp"
#include "bootstrap/wait.hpp"
#include "core/error.hpp"
#include "kube/client.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"
#include "ssh/shell.hpp"

namespace kforge {

namespace {

struct Seen {
  std::vector<int> pids;
  double started = 0;   // oldest process
  double newestFile = 0;  // the newest modification time of the files asked about
};

Seen processesOf(Applier& a, const Host& h, const std::string& component, const std::vector<std::string>& files = {}) {
  auto rt = parseRuntime(ssh::execChecked(a.fleet().session(h.name), runtimeScript()).out);
  Seen s;
  if (!rt.observed) throw Error(h.name + ": cannot read the host's processes");
  if (auto it = rt.pids.find(component); it != rt.pids.end()) s.pids = it->second;
  if (auto it = rt.started.find(component); it != rt.started.end()) s.started = it->second;
  for (const auto& f : files)
    if (auto it = rt.mtime.find(f); it != rt.mtime.end()) s.newestFile = std::max(s.newestFile, it->second);
  return s;
}

bool restartedSince(const Seen& s) { return !s.pids.empty() && s.newestFile > 0 && s.started > s.newestFile + 0.02; }

// The mirror pod's UID and first container ID; nullopt when there is none; throws when the API does not answer.
struct Mirror {
  std::string uid, containerId;
  bool ready = false;
};
std::optional<Mirror> mirrorOf(kube::KubeClient& client, const std::string& component, const std::string& node) {
  auto p = client.getIfExists("/api/v1/namespaces/kube-system/pods/" + component + "-" + node);
  if (!p) return std::nullopt;
  Mirror m;
  m.uid = (*p)["metadata"].value("uid", "");
  if (p->contains("status")) {
    const auto& st = (*p)["status"];
    auto cs = st.value("containerStatuses", nlohmann::json::array());
    if (!cs.empty()) m.containerId = cs[0].value("containerID", "");
    for (const auto& c : st.value("conditions", nlohmann::json::array()))
      if (c.value("type", "") == "Ready") m.ready = c.value("status", "") == "True";
  }
  return m;
}

std::string pidList(const std::vector<int>& pids) {
  std::string s;
  for (int p : pids) s += (s.empty() ? "" : ",") + std::to_string(p);
  return s.empty() ? "none" : s;
}

bool anyOf(const std::vector<int>& now, const std::vector<int>& before) {
  for (int p : now)
    if (std::find(before.begin(), before.end(), p) != before.end()) return true;
  return false;
}

std::string restartStaticPod(Applier& a, const ComponentRestart& r) {
  const Host& h = *r.host;
  auto client = kube::KubeClient::fromKubeconfig(a.options().stateDir + "/admin.conf");
  auto& session = a.fleet().session(h.name);
  Seen before = processesOf(a, h, r.component, r.because);
  if (restartedSince(before)) {
    waitUntil(r.timeout, r.component + " on " + h.name + " to be Ready", [&]() -> std::string {
      auto m = mirrorOf(client, r.component, h.name);
      if (!m) return "no mirror pod";
      if (!m->ready) return "not Ready";
      return r.verify ? r.verify() : "";
    });
    return "already restarted since its files changed (pid " + pidList(before.pids) + "), not again; verified";
  }
  std::optional<Mirror> mirrorBefore;
  try {
    mirrorBefore = mirrorOf(client, r.component, h.name);
  } catch (const Error&) {
  }
  std::string manifest = std::string(kManifestsDir) + "/" + r.component + ".yaml";
  std::string aside = "/etc/kubernetes/tmp/kforge-restart-" + a.runStamp() + "/" + r.component + ".yaml";
  ssh::ShellCommand out("mkdir");
  out.arg("-p").arg("-m").arg("0700").arg("/etc/kubernetes/tmp/kforge-restart-" + a.runStamp());
  out.raw("&&").arg("mv").arg("-f").arg("--").arg(manifest).arg(aside);
  ssh::execChecked(session, out);
  ssh::ShellCommand back("mv");
  back.arg("-f").arg("--").arg(aside).arg(manifest);

  try {
    // The kubelet has acted on the removal when the component's process is gone from the host (it killed the
    // container). Not also "its mirror pod is gone": a control plane's kubelet talks to its own API server
    // (ControlPlaneKubeletLocalMode), which cannot delete anything while it is the one stopped.
    waitUntil(r.timeout, "the kubelet to stop " + r.component + " on " + h.name, [&]() -> std::string {
      Seen now = processesOf(a, h, r.component);
      if (anyOf(now.pids, before.pids)) return "process " + pidList(now.pids) + " still runs";
      return "";
    });
  } catch (const Error& e) {
    ssh::execChecked(session, back);
    throw Error(h.name + ": " + r.component + " did not stop after its manifest was moved out (" + e.what() +
                    "); the manifest is back in place",
                ExitCode::Failure);
  }
  if (r.whileStopped) {
    try {
      r.whileStopped();
    } catch (...) {
      ssh::execChecked(session, back);  // never leave the component stopped
      throw;
    }
  }
  ssh::execChecked(session, back);

  std::vector<int> newPids;
  std::string containerId;
  waitUntil(r.timeout, r.component + " on " + h.name + " to run again", [&]() -> std::string {
    Seen now = processesOf(a, h, r.component);
    if (now.pids.empty()) return "no " + r.component + " process yet";
    if (anyOf(now.pids, before.pids)) return "an old process still runs";
    if (r.mirror) {
      auto m = mirrorOf(client, r.component, h.name);
      if (!m) return "no mirror pod yet";
      if (mirrorBefore && m->containerId == mirrorBefore->containerId) return "the mirror pod shows the old container";
      if (!m->ready) return "not Ready";
      containerId = m->containerId;
    }
    std::string why = r.verify ? r.verify() : "";
    if (!why.empty()) return why;
    newPids = now.pids;
    return "";
  });
  return "pid " + pidList(before.pids) + " -> " + pidList(newPids) +
         (containerId.empty() ? std::string() : " (container " + containerId + ")");
}

std::string restartKubelet(Applier& a, const ComponentRestart& r) {
  const Host& h = *r.host;
  Seen before = processesOf(a, h, "kubelet", r.because);
  if (restartedSince(before)) return "already restarted since kubelet.conf changed (pid " + pidList(before.pids) + "), not again";
  ssh::execChecked(a.fleet().session(h.name), "systemctl restart kubelet");
  auto client = kube::KubeClient::fromKubeconfig(a.options().stateDir + "/admin.conf");
  std::string leasePath = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + h.name;
  std::string renewAfterStart;  // the Lease's renewTime when the new kubelet was first seen
  std::vector<int> newPids;
  waitUntil(r.timeout, "the kubelet on " + h.name + " to run again and renew its Lease", [&]() -> std::string {
    if (newPids.empty()) {
      Seen now = processesOf(a, h, "kubelet");
      if (now.pids.empty()) return "no kubelet process yet";
      if (anyOf(now.pids, before.pids)) return "the old kubelet still runs";
      newPids = now.pids;
    }
    auto lease = client.getIfExists(leasePath);
    std::string renew = lease ? (*lease)["spec"].value("renewTime", "") : "";
    if (renewAfterStart.empty()) {
      renewAfterStart = renew.empty() ? "-" : renew;
      return "waiting for the new kubelet to renew its Lease";
    }
    if (renew.empty() || renew == renewAfterStart) return "Lease not renewed by the new kubelet yet";
    std::string why = r.verify ? r.verify() : "";
    return why;
  });
  return "pid " + pidList(before.pids) + " -> " + pidList(newPids) + ", Lease renewed";
}

}  // namespace

std::string restartComponent(Applier& a, const ComponentRestart& r) {
  return r.component == "kubelet" ? restartKubelet(a, r) : restartStaticPod(a, r);
}

}  // namespace kforge
