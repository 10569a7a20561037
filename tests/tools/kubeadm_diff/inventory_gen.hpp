// A seeded generator of random valid inventories for the differential test against kubeadm: pools, hosts
// (IPv4 or IPv6), SANs, extraArgs, networking subnets, endpoints, stacked or external etcd, static pod or
// systemd, key algorithms, validity periods, image repositories, versions among what the case's kubeadm accepts.
// Same seed, same inventory (std::mt19937_64 is specified exactly; no std::*_distribution).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kforge::kubeadmdiff {

struct Rng {
  explicit Rng(uint64_t seed);
  uint64_t next();
  int below(int n);                 // [0, n)
  int range(int lo, int hi);        // [lo, hi]
  bool chance(int percent);
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<size_t>(below(static_cast<int>(v.size())))]; }

 private:
  uint64_t s_[4];
};

// splitmix64: case seeds from the run seed.
uint64_t mixSeed(uint64_t x);

// A proxy case: kubeadm runs with these in its environment, kforge's inventory has them as spec.proxy.
inline constexpr const char* kProxyHttp = "http://proxy.example.test:3128";
inline constexpr const char* kProxyHttps = "http://proxy.example.test:3128";
inline constexpr const char* kNoProxy = "10.0.0.0/8,.svc";

struct GeneratedCase {
  uint64_t seed = 0;
  std::string kubeadmRelease;  // the pinned release whose kubeadm judges the case ("v1.36.3")
  std::string inventoryYaml;
  bool proxyEnv = false;       // kubeadm with HTTP(S)_PROXY/NO_PROXY in its environment, kforge with spec.proxy
  bool kubeadmOwnCas = false;  // let kubeadm generate its own CAs (compares the CA certificates too)
  std::string summary;         // one line: version, topology, hosts, algorithm
};

// kubeadmReleases: the pinned releases, oldest first. catalogVersions: kforge's supported releases.
GeneratedCase generateCase(uint64_t seed, const std::vector<std::string>& kubeadmReleases,
                           const std::vector<std::string>& catalogVersions);

}  // namespace kforge::kubeadmdiff
