#include "bootstrap/bastion_route.hpp"

#include <map>
#include <memory>
#include <mutex>

#include "core/dial.hpp"
#include "core/net.hpp"
#include "ssh/forward.hpp"
#include "ssh/session.hpp"

namespace kforge {

void routeThroughBastion(const Cluster& c) {
  if (!c.ssh.bastion) return;
  // Forwards live as long as the process (clients made later dial them too) and are deliberately never
  // destroyed: a static destructor would run after OpenSSL's exit handlers, which libssh2's disconnect needs.
  static std::mutex mu;
  static auto& forwards = *new std::map<std::string, std::unique_ptr<ssh::LocalForward>>;  // "host:port" -> forward
  std::lock_guard lock(mu);

  std::map<std::string, std::pair<std::string, int>> targets;  // "host:port" -> (address, port), deduplicated
  for (const Host* h : c.etcdHosts()) targets[joinHostPort(h->address, 2379)] = {h->address, 2379};
  for (const Host* h : c.controlPlaneHosts())
    targets[joinHostPort(h->address, c.apiServer.bindPort)] = {h->address, c.apiServer.bindPort};
  std::string epHost;
  int epPort = 0;
  if (splitHostPort(c.endpointHostPort(), epHost, epPort) && epPort > 0)
    targets[joinHostPort(epHost, epPort)] = {epHost, epPort};

  ssh::SessionOptions o = ssh::SessionOptions::fromSpec(c.ssh);
  ssh::Endpoint bastion = *o.bastion;
  o.bastion.reset();
  if (!o.bastionUser.empty()) o.user = o.bastionUser;
  for (const auto& [key, target] : targets) {
    if (forwards.count(key)) continue;
    auto via = ssh::Session::connect("bastion " + bastion.host, bastion, o);
    auto fwd = ssh::LocalForward::open(std::move(via), target.first, target.second, key);
    setDialOverride(key, fwd->endpoint());
    forwards[key] = std::move(fwd);
  }
}

}  // namespace kforge
