#include "bootstrap/local_api_server_down.hpp"

#include "bootstrap/apply.hpp"
#include "bootstrap/component_restart.hpp"
#include "bootstrap/component_restart_run.hpp"
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

}  // namespace kforge
