// A TCP stream to host:port opened from a jump host (SSH "direct-tcpip", what `ssh -J` does), exposed as a
// local socket so a second libssh2 session can run over it. A pump thread moves bytes between the socket and
// the channel; the jump session belongs to the tunnel and is used by that thread only.
#pragma once
#include <libssh2.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace kforge::ssh {

class Session;

class Tunnel {
 public:
  // Throws kforge::Error (ExitCode::Unreachable) "<label>: bastion <address>: cannot open a tunnel to host:port: ...".
  static std::unique_ptr<Tunnel> open(std::unique_ptr<Session> jump, const std::string& host, int port, const std::string& label);
  ~Tunnel();
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;
  int fd() const { return inner_; }  // give this to libssh2_session_handshake

 private:
  Tunnel() = default;
  void pump();
  std::unique_ptr<Session> jump_;
  LIBSSH2_CHANNEL* channel_ = nullptr;
  int inner_ = -1;  // the session's end of the socketpair
  int outer_ = -1;  // the pump's end
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace kforge::ssh
