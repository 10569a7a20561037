// Test clusters for manifest / image tests, built in C++ (independent of the YAML inventory loader).
// Each is a golden case under tests/fixtures/golden/<name>/.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/inventory.hpp"

namespace kforge::testclusters {

inline Host host(const std::string& name, const std::string& address, Role role, const std::string& pool) {
  Host h;
  h.name = name;
  h.address = address;
  h.role = role;
  h.pool = pool;
  return h;
}

inline NodePool pool(const std::string& name, Role role, std::vector<std::pair<std::string, std::string>> hosts) {
  NodePool p;
  p.name = name;
  p.role = role;
  for (const auto& [n, a] : hosts) p.hosts.push_back(host(n, a, role, name));
  return p;
}

inline Cluster base(const std::string& name, const std::string& version = "v1.31.2") {
  Cluster c;
  c.name = name;
  c.kubernetesVersion = *Version::parse(version);
  return c;
}

// One control-plane node, stacked etcd as a static pod.
inline Cluster singleNode(const std::string& version = "v1.31.2") {
  Cluster c = base("single", version);
  c.nodePools.push_back(pool("control", Role::ControlPlane, {{"cp1", "10.0.0.11"}}));
  return c;
}

// Three control-plane nodes with stacked etcd, one worker, a load-balanced endpoint.
inline Cluster stackedHa() {
  Cluster c = base("stacked-ha");
  c.controlPlaneEndpoint = "10.0.0.10:6443";
  c.nodePools.push_back(pool("control", Role::ControlPlane,
                             {{"cp1", "10.0.0.11"}, {"cp2", "10.0.0.12"}, {"cp3", "10.0.0.13"}}));
  c.nodePools.push_back(pool("general", Role::Worker, {{"w1", "10.0.0.21"}}));
  return c;
}

// Three external etcd hosts (static pods), two control-plane nodes, one worker.
inline Cluster externalEtcd() {
  Cluster c = base("external");
  c.etcd.topology = EtcdTopology::External;
  c.nodePools.push_back(pool("etcd", Role::Etcd, {{"etcd1", "10.0.1.11"}, {"etcd2", "10.0.1.12"}, {"etcd3", "10.0.1.13"}}));
  c.nodePools.push_back(pool("control", Role::ControlPlane, {{"cp1", "10.0.0.11"}, {"cp2", "10.0.0.12"}}));
  c.nodePools.push_back(pool("general", Role::Worker, {{"w1", "10.0.0.21"}}));
  return c;
}

// Single node with extraArgs on every component (overriding defaults and adding flags), a custom
// repository, non-default networking, bind port and cluster name.
inline Cluster extraArgs() {
  Cluster c = singleNode();
  c.name = "extra-args";
  c.clusterName = "prod-eu1";
  c.images.repository = "registry.example.com/k8s";
  c.networking = {"192.168.0.0/16", "10.112.0.0/12", "corp.example"};
  c.apiServer.bindPort = 8443;
  c.apiServer.extraArgs = {{"authorization-mode", "Node,RBAC,Webhook"},
                           {"audit-log-path", "/var/log/kubernetes/audit.log"},
                           {"enable-admission-plugins", "NodeRestriction,PodSecurity"}};
  c.controllerManager.extraArgs = {{"bind-address", "0.0.0.0"}, {"node-cidr-mask-size", "25"}};
  c.scheduler.extraArgs = {{"bind-address", "10.0.0.11"}, {"profiling", "false"}};
  c.etcd.extraArgs = {{"snapshot-count", "5000"}, {"quota-backend-bytes", "8589934592"},
                      {"listen-metrics-urls", "http://0.0.0.0:2382"}};
  c.etcd.dataDir = "/data/etcd";
  return c;
}

// Single node whose etcd image tag is pinned to 3.6 (the etcd 3.6 flag set).
inline Cluster etcd36() {
  Cluster c = singleNode();
  c.name = "etcd36";
  c.etcd.imageTag = "3.6.0-0";
  return c;
}

// Three control-plane nodes whose stacked etcd runs as a systemd service, one worker.
inline Cluster systemdEtcd() {
  Cluster c = stackedHa();
  c.name = "systemd-etcd";
  c.etcd.runAs = EtcdRunAs::Systemd;
  return c;
}

// Single node on older / newer minors (probe and kubelet-config differences).
inline Cluster single129() { auto c = singleNode("v1.29.10"); c.name = "single-v1.29"; return c; }
inline Cluster single130() { auto c = singleNode("v1.30.6"); c.name = "single-v1.30"; return c; }
inline Cluster single132() { auto c = singleNode("v1.32.0"); c.name = "single-v1.32"; return c; }

// All golden cases: directory name → cluster.
inline std::vector<std::pair<std::string, Cluster>> goldenCases() {
  return {{"single-node", singleNode()}, {"stacked-ha", stackedHa()},   {"external-etcd", externalEtcd()},
          {"extra-args", extraArgs()},   {"etcd-3.6", etcd36()},         {"systemd-etcd", systemdEtcd()},
          {"single-v1.29", single129()}, {"single-v1.30", single130()}, {"single-v1.32", single132()}};
}

}  // namespace kforge::testclusters
