// Fills an etcd member with random (incompressible) values until its database reaches a target size, through
// kforge's own etcd client (etcdctl/client.hpp). Used by bench/snapshot/run.sh to make a ~1 GiB database.
//
//   kforge_bench_fill --endpoint ADDR:2379 [--cacert F --cert F --key F] [--target-mib 1024]
//                     [--value-kib 100] [--parallel 4] [--prefix /bench/fill/]
//
// Several puts are in flight at once (one thread each; etcd batches their commits), so filling is bounded by
// etcd's write path rather than by round trips. Prints the final database size.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "etcdctl/client.hpp"

namespace {

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void randomFill(std::string& v, uint64_t& s) {
  for (size_t i = 0; i + 8 <= v.size(); i += 8) {
    uint64_t x = splitmix(s);
    std::memcpy(v.data() + i, &x, 8);
  }
}

int usage() {
  std::cerr << "usage: kforge_bench_fill --endpoint HOST:PORT [--cacert F --cert F --key F] [--target-mib N]\n"
               "                         [--value-kib N] [--parallel N] [--prefix P]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string endpoint, prefix = "/bench/fill/";
  kforge::etcd::TlsFiles tls;
  uint64_t targetMiB = 1024, valueKiB = 100;
  int parallel = 4;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--endpoint") endpoint = next();
    else if (a == "--cacert") tls.caFile = next();
    else if (a == "--cert") tls.certFile = next();
    else if (a == "--key") tls.keyFile = next();
    else if (a == "--target-mib") targetMiB = std::stoull(next());
    else if (a == "--value-kib") valueKiB = std::stoull(next());
    else if (a == "--parallel") parallel = std::stoi(next());
    else if (a == "--prefix") prefix = next();
    else return usage();
  }
  if (endpoint.empty() || parallel < 1 || valueKiB == 0 || valueKiB > 1400) return usage();
  try {
    kforge::etcd::Client client({endpoint}, tls, std::chrono::seconds(60));
    const uint64_t target = targetMiB << 20;
    auto st = client.status(endpoint);
    std::cerr << "fill: " << endpoint << " etcd " << st.version << ", db " << (st.dbSize >> 20) << " MiB, target "
              << targetMiB << " MiB, values " << valueKiB << " KiB, " << parallel << " in flight\n";
    auto t0 = std::chrono::steady_clock::now();
    std::atomic<uint64_t> next{0}, written{0};
    std::atomic<bool> done{st.dbSize >= static_cast<int64_t>(target)};
    std::mutex errMu;
    std::string error;
    auto worker = [&](int w) {
      uint64_t seed = 0x6b666f7267650000ULL ^ (static_cast<uint64_t>(w) << 32) ^
                      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
      std::string value(valueKiB << 10, '\0');
      char key[64];
      try {
        while (!done) {
          uint64_t n = next++;
          randomFill(value, seed);
          std::snprintf(key, sizeof key, "%08llu", static_cast<unsigned long long>(n));
          client.put(prefix + key, value);
          written += value.size();
        }
      } catch (const std::exception& e) {
        std::lock_guard l(errMu);
        if (error.empty()) error = e.what();
        done = true;
      }
    };
    std::vector<std::thread> threads;
    for (int w = 0; w < parallel; ++w) threads.emplace_back(worker, w);
    // The database grows in steps (bolt remaps); poll the member's own idea of its size.
    int64_t lastSize = st.dbSize;
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      lastSize = client.status(endpoint).dbSize;
      if (lastSize >= static_cast<int64_t>(target)) done = true;
    }
    for (auto& t : threads) t.join();
    if (!error.empty()) throw kforge::Error(error);
    st = client.status(endpoint);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "db_bytes=" << st.dbSize << " db_in_use=" << st.dbSizeInUse << " keys_written=" << next.load()
              << " value_bytes=" << written.load() << " seconds=" << secs << " revision=" << st.revision << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "fill: " << e.what() << "\n";
    return 1;
  }
}
