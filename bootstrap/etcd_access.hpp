// How kforge reaches a cluster's etcd from the machine it runs on: every etcd host's client URL, the state
// dir's etcd CA and the first etcd host's healthcheck-client certificate (kubeadm's client for etcd checks).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "etcdctl/client.hpp"

namespace kforge {

std::vector<std::string> etcdEndpoints(const Cluster& c);
etcd::TlsFiles etcdTls(const Cluster& c, const std::string& stateDir);
std::unique_ptr<etcd::Client> etcdClientFor(const Cluster& c, const std::string& stateDir);

}  // namespace kforge
