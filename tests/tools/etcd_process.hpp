// A real etcd server started for a test on a loopback address, stopped (and its data dir removed) at the end.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace kforge::testing {

class EtcdProcess {
 public:
  // address: a 127.0.0.0/8 address unique to the test; extraFlags appended (e.g. TLS flags).
  // scheme "http" or "https" for client and peer URLs.
  EtcdProcess(std::string name, std::string address, std::string dataDir, std::vector<std::string> extraFlags = {},
              std::string scheme = "http");
  ~EtcdProcess();
  // Waits until the client port accepts TCP connections (and /health answers when plaintext). Returns false on timeout.
  bool waitReady(int timeoutMs = 15000);
  std::string clientURL() const { return scheme_ + "://" + address_ + ":2379"; }
  std::string endpoint() const { return address_ + ":2379"; }
  std::string logFile() const { return dataDir_ + ".log"; }
  void stop();

 private:
  std::string name_, address_, dataDir_, scheme_;
  pid_t pid_ = -1;
};

}  // namespace kforge::testing
