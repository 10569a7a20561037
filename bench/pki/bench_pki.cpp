// Renders the full PKI of a 3 control-plane + 3 external-etcd + 100-worker cluster into a fresh state dir with
// ensurePki, and prints the wall time. With --keygen-floor, measures one key generation instead and prints the
// floor: (time of one key) x (number of keys) / (threads used).
//   kforge_bench_pki --alg rsa-2048|ecdsa-p256 --out DIR
//   kforge_bench_pki --alg rsa-2048 --keygen-floor [--samples N]
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "pki/key.hpp"
#include "pki/store.hpp"

using namespace kforge;

namespace {

Cluster benchCluster(KeyAlgorithm alg) {
  Cluster c;
  c.name = "bench";
  c.etcd.topology = EtcdTopology::External;
  c.controlPlaneEndpoint = "10.0.0.10:6443";
  c.pki.keyAlgorithm = alg;
  auto pool = [](const std::string& name, Role role, const std::string& prefix, int n, int third) {
    NodePool p;
    p.name = name;
    p.role = role;
    for (int i = 1; i <= n; ++i) {
      Host h;
      h.name = prefix + std::to_string(i);
      h.address = "10.0." + std::to_string(third + i / 250) + "." + std::to_string(i % 250 + 1);
      h.pool = name;
      h.role = role;
      p.hosts.push_back(h);
    }
    return p;
  };
  c.nodePools.push_back(pool("etcd", Role::Etcd, "etcd", 3, 1));
  c.nodePools.push_back(pool("control", Role::ControlPlane, "cp", 3, 2));
  c.nodePools.push_back(pool("workers", Role::Worker, "w", 100, 3));
  return c;
}

double seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string algName = "ecdsa-p256", out;
  bool floor = false;
  int samples = 30;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--alg" && i + 1 < argc) algName = argv[++i];
    else if (a == "--out" && i + 1 < argc) out = argv[++i];
    else if (a == "--keygen-floor") floor = true;
    else if (a == "--samples" && i + 1 < argc) samples = std::stoi(argv[++i]);
    else {
      std::cerr << "usage: kforge_bench_pki --alg rsa-2048|ecdsa-p256 (--out DIR | --keygen-floor [--samples N])\n";
      return 2;
    }
  }
  KeyAlgorithm alg = algName == "rsa-2048" ? KeyAlgorithm::Rsa2048 : KeyAlgorithm::EcdsaP256;
  if (floor) {
    // Number of keys the full render makes: 3 CAs + sa + per cp (4 leaves + 4 kubeconfigs) + super-admin
    // + per etcd host 3 leaves + per worker kubelet.conf + the state admin.conf.
    int keys = 3 + 1 + 3 * 8 + 1 + 3 * 3 + 100 + 1;
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < samples; ++i) pki::generateKey(alg);
    double one = seconds(t0, std::chrono::steady_clock::now()) / samples;
    // Also the same number of keys through the parallel generator ensurePki uses (shows how the cores scale).
    auto t1 = std::chrono::steady_clock::now();
    pki::generateKeys(std::vector<KeyAlgorithm>(static_cast<size_t>(keys), alg));
    double parallel = seconds(t1, std::chrono::steady_clock::now());
    std::cout << "keygen_one_s=" << one << " keys=" << keys << " threads=" << threads
              << " floor_s=" << one * keys / threads << " parallel_keygen_s=" << parallel << "\n";
    return 0;
  }
  if (out.empty()) {
    std::cerr << "--out DIR is required\n";
    return 2;
  }
  std::filesystem::remove_all(out);
  Cluster c = benchCluster(alg);
  auto t0 = std::chrono::steady_clock::now();
  pki::Report r = pki::ensurePki(c, out, std::time(nullptr));
  double s = seconds(t0, std::chrono::steady_clock::now());
  size_t certs = 0;
  for (const auto& f : r.created)
    if (f.ends_with(".crt") || f.ends_with(".conf")) ++certs;
  std::cout << "alg=" << algName << " certs=" << certs << " files=" << r.created.size() << " wall_s=" << s << "\n";
  return 0;
}
