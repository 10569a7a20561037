// A local port forward through the bastion (what `ssh -L 127.0.0.1:0:host:port bastion` does): a listener on
// 127.0.0.1 with an ephemeral port; every TCP connection accepted there gets its own direct-tcpip channel from
// the bastion to targetHost:targetPort, and bytes are pumped both ways.
//
// What it is for: etcd gRPC and kube API calls from the machine running kforge when the cluster is only
// reachable through the bastion. TLS stays end-to-end (the bastion only sees ciphertext): etcd's server
// certificate includes 127.0.0.1 (kubeadm puts it there), so the etcd client can dial endpoint() as is; for the
// API server callers keep the real host name and redirect the TCP connection (libcurl CURLOPT_CONNECT_TO
// "host:6443:127.0.0.1:PORT"), so the certificate is checked against the name the cluster knows.
//
// libssh2 sessions are not thread-safe: the forward owns `via` and ONE pump thread uses it (non-blocking), with a
// poll() loop over the listener, the client sockets and the session's socket. Several connections may be open
// at once. A connection whose channel cannot be opened is closed and the error remembered (lastError()); other
// connections are not affected.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace kforge::ssh {

class Session;

class LocalForward {
 public:
  // Listens on 127.0.0.1:<ephemeral> and starts the pump thread. Throws kforge::Error when the listener cannot
  // be created. Channels are opened per accepted connection, so an unreachable target shows up there.
  static std::unique_ptr<LocalForward> open(std::unique_ptr<Session> via, std::string targetHost, int targetPort,
                                            std::string label);
  // Stops the pump thread, closes every channel and client connection (bounded: a dead bastion does not stall it).
  ~LocalForward();
  LocalForward(const LocalForward&) = delete;
  LocalForward& operator=(const LocalForward&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }  // "127.0.0.1:PORT"
  std::string target() const { return targetHost_ + ":" + std::to_string(targetPort_); }
  // The last failure (a channel that could not be opened, a lost bastion connection), naming the label, the
  // bastion and the target; empty when there was none.
  std::string lastError() const;
  // Connections accepted so far (for tests and diagnostics).
  int accepted() const { return accepted_; }

 private:
  struct Conn;
  LocalForward();
  void pump();
  bool acceptAll();
  bool step(Conn& c);  // one pass over one connection; true when something moved
  void failSession(const std::string& why);
  void remember(const std::string& error);

  std::unique_ptr<Session> via_;
  std::string targetHost_;
  int targetPort_ = 0;
  std::string label_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};  // the destructor writes to wake_[1] to end poll() at once

  struct State;                // connections and libssh2 bookkeeping, used by the pump thread only
  std::unique_ptr<State> st_;

  mutable std::mutex errorMutex_;
  std::string lastError_;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kforge::ssh
