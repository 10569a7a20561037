// Accessors of the inventory model. Loading/validation: inventory_load.cpp.
#include "core/inventory.hpp"

#include <algorithm>

#include "core/net.hpp"

namespace kforge {

std::string toString(Role r) {
  switch (r) {
    case Role::ControlPlane: return "control-plane";
    case Role::Etcd: return "etcd";
    case Role::Worker: return "worker";
  }
  return "?";
}
std::string toString(EtcdTopology t) { return t == EtcdTopology::Stacked ? "stacked" : "external"; }
std::string toString(EtcdRunAs r) { return r == EtcdRunAs::StaticPod ? "static-pod" : "systemd"; }
std::string toString(KeyAlgorithm a) {
  switch (a) {
    case KeyAlgorithm::Rsa2048: return "rsa-2048";
    case KeyAlgorithm::Rsa3072: return "rsa-3072";
    case KeyAlgorithm::Rsa4096: return "rsa-4096";
    case KeyAlgorithm::EcdsaP256: return "ecdsa-p256";
  }
  return "?";
}
std::string toString(HostKeyPolicy p) { return p == HostKeyPolicy::Strict ? "strict" : "accept-new"; }
std::string toString(UpgradeStrategy s) {
  switch (s) {
    case UpgradeStrategy::InPlace: return "in-place";
    case UpgradeStrategy::NodeReplacement: return "node-replacement";
    case UpgradeStrategy::ClusterReplacement: return "cluster-replacement";
  }
  return "?";
}

std::vector<const Host*> Cluster::hosts() const {
  std::vector<const Host*> out;
  for (const auto& p : nodePools)
    for (const auto& h : p.hosts) out.push_back(&h);
  return out;
}

namespace {
std::vector<const Host*> byRole(const Cluster& c, Role r) {
  std::vector<const Host*> out;
  for (const auto& p : c.nodePools)
    if (p.role == r)
      for (const auto& h : p.hosts) out.push_back(&h);
  return out;
}
}  // namespace

std::vector<const Host*> Cluster::controlPlaneHosts() const { return byRole(*this, Role::ControlPlane); }
std::vector<const Host*> Cluster::workerHosts() const { return byRole(*this, Role::Worker); }
std::vector<const Host*> Cluster::etcdHosts() const {
  return byRole(*this, etcd.topology == EtcdTopology::Stacked ? Role::ControlPlane : Role::Etcd);
}

const Host* Cluster::findHost(const std::string& name) const {
  for (const auto& p : nodePools)
    for (const auto& h : p.hosts)
      if (h.name == name) return &h;
  return nullptr;
}

const NodePool* Cluster::findPool(const std::string& name) const {
  for (const auto& p : nodePools)
    if (p.name == name) return &p;
  return nullptr;
}

bool Cluster::isEtcdMember(const Host& h) const {
  return etcd.topology == EtcdTopology::Stacked ? h.role == Role::ControlPlane : h.role == Role::Etcd;
}

std::string Cluster::endpointHostPort() const {
  if (!controlPlaneEndpoint.empty()) return controlPlaneEndpoint;
  auto cps = controlPlaneHosts();
  std::string addr = cps.empty() ? "127.0.0.1" : cps.front()->address;
  if (addr.find(':') != std::string::npos) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(apiServer.bindPort);
}

std::string Cluster::endpointHost() const {
  std::string host;
  int port = 0;
  splitHostPort(endpointHostPort(), host, port);
  return host;
}

int Cluster::endpointPort() const {
  std::string host;
  int port = 0;
  splitHostPort(endpointHostPort(), host, port);
  return port == 0 ? apiServer.bindPort : port;
}

}  // namespace kforge

namespace kforge {
std::vector<std::pair<std::string, std::string>> ProxySpec::env() const {
  std::vector<std::pair<std::string, std::string>> out;  // in byte order of the names, as Go's sort: 'S' < '_'
  if (!httpsProxy.empty()) out.emplace_back("HTTPS_PROXY", httpsProxy);
  if (!httpProxy.empty()) out.emplace_back("HTTP_PROXY", httpProxy);
  if (!noProxy.empty()) out.emplace_back("NO_PROXY", noProxy);
  return out;
}

int UpgradeSpec::workerBatch(int workers) const {
  if (maxUnavailableWorkersPercent > 0) return std::max(1, workers * maxUnavailableWorkersPercent / 100);
  return std::max(1, maxUnavailableWorkers);
}
}  // namespace kforge
