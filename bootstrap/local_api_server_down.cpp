#include "bootstrap/local_api_server_down.hpp"

#include "bootstrap/apply.hpp"
#include "bootstrap/component_restart.hpp"
#include "bootstrap/component_restart_run.hpp"
#include "bootstrap/manifests.hpp"
#include "bootstrap/wait.hpp"
#include "core/error.hpp"
#include "ssh/shell.hpp"
#include "ssh/exec.hpp"
#include "ssh/fleet.hpp"

namespace kforge {

bool runsLocalApiServer(Applier& a, const Host& h) {
  if (a.cluster().etcd.topology != EtcdTopology::Stacked || h.role != Role::ControlPlane) return false;
  auto rt = parseRuntime(ssh::execChecked(a.fleet().session(h.name), runtimeScript()).out);
  return rt.started.count("kube-apiserver") > 0;
}

std::string withLocalApiServerDown(Applier& a, const Host& h, std::chrono::seconds timeout,
                                   const std::function<void()>& work, std::function<std::string()> verify) {
  ComponentRestart api;
  api.host = &h;
  api.component = "kube-apiserver";
  api.timeout = timeout;
  api.verify = verify ? std::move(verify) : [&a, &h]() -> std::string { return a.apiReadyz(h); };
  api.whileStopped = work;
  return restartComponent(a, api);
}

std::vector<HeldDown> heldDownComponents(Applier& a, const Host& h) {
  // Newest run first; one line per held-down manifest: "<component> <aside path>".
  const std::string script =
      "for f in $(ls -1d /etc/kubernetes/tmp/kforge-restart-*/*.yaml 2>/dev/null | sort -r); do "
      "b=$(basename \"$f\" .yaml); [ -e " + std::string(kManifestsDir) + "/\"$b\".yaml ] || echo \"$b $f\"; done; true";
  std::vector<HeldDown> out;
  std::string text = ssh::execChecked(a.fleet().session(h.name), script).out;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? text.size() : nl + 1;
    size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    std::string component = line.substr(0, sp);
    bool seen = false;
    for (const auto& o : out) seen = seen || o.component == component;  // the newest run's copy only
    if (!seen) out.push_back({component, line.substr(sp + 1)});
  }
  return out;
}

std::string putBackHeldDown(Applier& a, const Host& h, const std::vector<HeldDown>& held, std::chrono::seconds timeout) {
  std::string detail;
  bool api = false;
  for (const auto& d : held) {
    std::string manifest = std::string(kManifestsDir) + "/" + d.component + ".yaml";
    // -n: a manifest written there meanwhile wins; the moved-aside copy then stays where it is.
    ssh::ShellCommand back("mv");
    back.arg("-n").arg("--").arg(d.aside).arg(manifest);
    ssh::execChecked(a.fleet().session(h.name), back);
    detail += (detail.empty() ? "" : ", ") + d.component + " back from " + d.aside;
    api = api || d.component == "kube-apiserver";
  }
  if (api) waitUntil(timeout, "kube-apiserver on " + h.name + " to answer /readyz", [&] { return a.apiReadyz(h); });
  return detail + (api ? "; /readyz ok" : "");
}

}  // namespace kforge
