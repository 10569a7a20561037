// Clusters built in C++ for tests (the YAML loader is tested on its own): a stacked 3 control planes + 1 worker
// cluster and an external-etcd 3 etcd + 2 control planes + 1 worker cluster, on 127.0.0.0/8 addresses.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/inventory.hpp"

namespace kforge::testing {

inline NodePool makePool(const std::string& name, Role role, const std::string& prefix, int count,
                         const std::string& addrBase, int firstOctet) {
  NodePool p;
  p.name = name;
  p.role = role;
  for (int i = 1; i <= count; ++i) {
    Host h;
    h.name = prefix + std::to_string(i);
    h.address = addrBase + std::to_string(firstOctet + i - 1);
    h.pool = name;
    h.role = role;
    p.hosts.push_back(h);
  }
  return p;
}

inline Cluster stackedCluster(KeyAlgorithm alg = KeyAlgorithm::EcdsaP256) {
  Cluster c;
  c.name = "stacked";
  c.kubernetesVersion = *Version::parse("v1.31.2");
  c.pki.keyAlgorithm = alg;
  c.nodePools.push_back(makePool("control", Role::ControlPlane, "cp", 3, "127.0.1.", 11));
  c.nodePools.push_back(makePool("general", Role::Worker, "w", 1, "127.0.1.", 21));
  return c;
}

inline Cluster externalCluster(KeyAlgorithm alg = KeyAlgorithm::EcdsaP256) {
  Cluster c;
  c.name = "external";
  c.kubernetesVersion = *Version::parse("v1.31.2");
  c.controlPlaneEndpoint = "lb.example.test:6443";
  c.etcd.topology = EtcdTopology::External;
  c.pki.keyAlgorithm = alg;
  c.nodePools.push_back(makePool("etcd", Role::Etcd, "etcd", 3, "127.0.2.", 31));
  c.nodePools.push_back(makePool("control", Role::ControlPlane, "cp", 2, "127.0.2.", 11));
  c.nodePools.push_back(makePool("general", Role::Worker, "w", 1, "127.0.2.", 21));
  return c;
}

// A fresh empty directory under $TMPDIR (or /tmp), removed by the caller when it wants.
inline std::string freshDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  if (!::mkdtemp(tmpl.data())) std::abort();
  return tmpl;
}

}  // namespace kforge::testing
