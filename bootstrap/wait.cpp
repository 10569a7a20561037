#include "bootstrap/wait.hpp"

#include <atomic>
#include <thread>

#include "core/error.hpp"
#include "etcdctl/client.hpp"

namespace kforge {

namespace {
std::atomic<double> gWaitSeconds{0};
}

void waitUntil(std::chrono::seconds timeout, const std::string& what, const std::function<std::string()>& check) {
  auto start = std::chrono::steady_clock::now();
  struct Account {
    std::chrono::steady_clock::time_point t0;
    ~Account() {
      double d = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double old = gWaitSeconds.load();
      while (!gWaitSeconds.compare_exchange_weak(old, old + d)) {
      }
    }
  } account{start};
  auto until = start + timeout;
  std::string last;
  while (true) {
    try {
      last = check();
      if (last.empty()) return;
    } catch (const Error& e) {
      last = e.what();
    }
    if (std::chrono::steady_clock::now() > until)
      throw Error("timed out after " + std::to_string(timeout.count()) + " s waiting for " + what + ": " + last);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

double waitedSeconds() { return gWaitSeconds.load() + etcd::Client::retriedSeconds(); }

}  // namespace kforge
