#include "bootstrap/bastion_route.hpp"

#include <map>
#include <memory>
#include <mutex>

#include "core/dial.hpp"
#include "ssh/forward.hpp"
#include "ssh/session.hpp"

namespace kforge {

namespace {
std::string hostPort(const std::string& address, int port) {
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" + std::to_string(port);
}
}  // namespace

void routeThroughBastion(const Cluster& c) {
  if (!c.ssh.bastion) return;
  // Forwards live as long as the process (clients made later dial them too) and are deliberately never
  // destroyed: a static destructor would run after OpenSSL's exit handlers, which libssh2's disconnect needs.
  static std::mutex mu;
  static auto& forwards = *new std::map<std::string, std::unique_ptr<ssh::LocalForward>>;  // "host:port" -> forward
  std::lock_guard lock(mu);

  std::map<std::string, std::pair<std::string, int>> targets;  // "host:port" -> (address, port), deduplicated
  for (const Host* h : c.etcdHosts()) targets[hostPort(h->address, 2379)] = {h->address, 2379};
  for (const Host* h : c.controlPlaneHosts())
    targets[hostPort(h->address, c.apiServer.bindPort)] = {h->address, c.apiServer.bindPort};
  std::string ep = c.endpointHostPort();
  if (auto colon = ep.rfind(':'); colon != std::string::npos) {
    std::string host = ep.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    targets[ep] = {host, std::stoi(ep.substr(colon + 1))};
  }

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
