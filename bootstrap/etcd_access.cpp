#include "bootstrap/etcd_access.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "bootstrap/static_pod.hpp"  // urlFor
#include "bootstrap/bastion_route.hpp"

namespace kforge {

std::string etcdClientEndpoint(const Host& h) { return joinHostPort(h.address, 2379); }
std::string etcdPeerURL(const Host& h) { return urlFor("https", h.address, 2380); }

const etcd::Member* etcdMemberOf(const std::vector<etcd::Member>& members, const Host& h) {
  std::string url = etcdPeerURL(h);
  for (const auto& m : members)
    if (std::find(m.peerURLs.begin(), m.peerURLs.end(), url) != m.peerURLs.end()) return &m;
  return nullptr;
}

std::vector<std::string> etcdEndpoints(const Cluster& c) {
  std::vector<std::string> eps;
  for (const Host* h : c.etcdHosts()) eps.push_back(etcdClientEndpoint(*h));
  return eps;
}

etcd::TlsFiles etcdTls(const Cluster& c, const std::string& stateDir) {
  auto hosts = c.etcdHosts();
  if (hosts.empty()) throw Error("the inventory has no etcd hosts", ExitCode::InvalidInput);
  std::string hostPki = stateDir + "/hosts/" + hosts.front()->name + "/pki/etcd/";
  return {stateDir + "/pki/etcd/ca.crt", hostPki + "healthcheck-client.crt", hostPki + "healthcheck-client.key"};
}

std::unique_ptr<etcd::Client> etcdClientFor(const Cluster& c, const std::string& stateDir) {
  auto tls = etcdTls(c, stateDir);
  if (!fileExists(tls.caFile) || !fileExists(tls.certFile))
    throw Error("no etcd client certificates in " + stateDir + " (run kforge render or apply first)",
                ExitCode::InvalidInput);
  routeThroughBastion(c);
  return std::make_unique<etcd::Client>(etcdEndpoints(c), tls, std::chrono::seconds(5));
}

}  // namespace kforge
