// How kforge reaches a cluster's etcd from the machine it runs on: every etcd host's client URL, the state
// dir's etcd CA and the first etcd host's healthcheck-client certificate (kubeadm's client for etcd checks).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "etcdctl/client.hpp"

namespace kforge {

// "address:2379" ([address]:2379 for IPv6): the member's client endpoint.
std::string etcdClientEndpoint(const Host& h);
// "https://address:2380": the member's peer URL, as the manifest advertises it.
std::string etcdPeerURL(const Host& h);
// The member whose peer URLs include h's, or nullptr.
const etcd::Member* etcdMemberOf(const std::vector<etcd::Member>& members, const Host& h);

std::vector<std::string> etcdEndpoints(const Cluster& c);
etcd::TlsFiles etcdTls(const Cluster& c, const std::string& stateDir);
std::unique_ptr<etcd::Client> etcdClientFor(const Cluster& c, const std::string& stateDir);

}  // namespace kforge
