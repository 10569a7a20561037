#include "tests/tools/etcd_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace kforge::testing {

EtcdProcess::EtcdProcess(std::string name, std::string address, std::string dataDir,
                         std::vector<std::string> extraFlags, std::string scheme)
    : name_(std::move(name)), address_(std::move(address)), dataDir_(std::move(dataDir)), scheme_(std::move(scheme)) {
  std::vector<std::string> args = {
      "etcd",
      "--name=" + name_,
      "--data-dir=" + dataDir_,
      "--listen-client-urls=" + scheme_ + "://" + address_ + ":2379",
      "--advertise-client-urls=" + scheme_ + "://" + address_ + ":2379",
      "--listen-peer-urls=" + scheme_ + "://" + address_ + ":2380",
      "--initial-advertise-peer-urls=" + scheme_ + "://" + address_ + ":2380",
      "--initial-cluster=" + name_ + "=" + scheme_ + "://" + address_ + ":2380",
      "--listen-metrics-urls=http://" + address_ + ":2381",
  };
  args.insert(args.end(), extraFlags.begin(), extraFlags.end());
  std::string log = logFile();
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::setpgid(0, 0);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("etcd", argv.data());
    ::_exit(127);
  }
}

EtcdProcess::~EtcdProcess() {
  stop();
  std::string cmd = "rm -rf '" + dataDir_ + "'";
  (void)!::system(cmd.c_str());
}

void EtcdProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

bool EtcdProcess::waitReady(int timeoutMs) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (std::chrono::steady_clock::now() < until) {
    if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;  // exited
    }
    // The metrics listener serves /health over plain HTTP whatever the client URL scheme.
    std::string cmd = "curl -sf -m 1 http://" + address_ + ":2381/health 2>/dev/null | grep -q '\"health\":\"true\"'";
    if (::system(cmd.c_str()) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace kforge::testing
