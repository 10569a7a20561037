#include "ssh/tunnel.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/error.hpp"
#include "ssh/session.hpp"

namespace kforge::ssh {

std::unique_ptr<Tunnel> Tunnel::open(std::unique_ptr<Session> jump, const std::string& host, int port, const std::string& label) {
  std::unique_ptr<Tunnel> t(new Tunnel);
  LIBSSH2_SESSION* raw = jump->raw();
  t->channel_ = libssh2_channel_direct_tcpip_ex(raw, host.c_str(), port, "127.0.0.1", 0);
  if (!t->channel_)
    throw Error(label + ": " + jump->label() + ": cannot open a tunnel to " + host + ":" + std::to_string(port) + ": " +
                    jump->lastError(),
                ExitCode::Unreachable);
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw Error(label + ": socketpair failed");
  t->inner_ = sv[0];
  t->outer_ = sv[1];
  ::fcntl(t->outer_, F_SETFL, ::fcntl(t->outer_, F_GETFL) | O_NONBLOCK);
  libssh2_session_set_blocking(raw, 0);
  t->jump_ = std::move(jump);
  t->thread_ = std::thread([p = t.get()] { p->pump(); });
  return t;
}

void Tunnel::pump() {
  LIBSSH2_SESSION* raw = jump_->raw();
  std::string toChannel;  // read from the socket, not yet accepted by the channel
  std::string toSocket;   // read from the channel, not yet written to the socket
  char buf[32768];
  bool socketEof = false;
  while (!stop_) {
    bool progress = false;
    // channel -> socket
    if (toSocket.empty()) {
      ssize_t n = libssh2_channel_read(channel_, buf, sizeof buf);
      if (n > 0) {
        toSocket.assign(buf, static_cast<size_t>(n));
        progress = true;
      } else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
        break;
      } else if (libssh2_channel_eof(channel_)) {
        break;
      }
    }
    if (!toSocket.empty()) {
      ssize_t n = ::send(outer_, toSocket.data(), toSocket.size(), MSG_NOSIGNAL);
      if (n > 0) {
        toSocket.erase(0, static_cast<size_t>(n));
        progress = true;
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        break;
      }
    }
    // socket -> channel
    if (toChannel.empty() && !socketEof) {
      ssize_t n = ::recv(outer_, buf, sizeof buf, 0);
      if (n > 0) {
        toChannel.assign(buf, static_cast<size_t>(n));
        progress = true;
      } else if (n == 0) {
        socketEof = true;
        libssh2_channel_send_eof(channel_);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        break;
      }
    }
    if (!toChannel.empty()) {
      ssize_t n = libssh2_channel_write(channel_, toChannel.data(), toChannel.size());
      if (n > 0) {
        toChannel.erase(0, static_cast<size_t>(n));
        progress = true;
      } else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
        break;
      }
    }
    if (progress) continue;
    pollfd fds[2] = {{jump_->socket(), POLLIN, 0}, {outer_, 0, 0}};
    if (libssh2_session_block_directions(raw) & LIBSSH2_SESSION_BLOCK_OUTBOUND) fds[0].events |= POLLOUT;
    if (toChannel.empty() && !socketEof) fds[1].events |= POLLIN;
    if (!toSocket.empty()) fds[1].events |= POLLOUT;
    ::poll(fds, 2, 100);
  }
  // The session on the other end sees EOF and fails cleanly.
  ::shutdown(outer_, SHUT_RDWR);
}

Tunnel::~Tunnel() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (channel_) {
    libssh2_session_set_blocking(jump_->raw(), 1);
    libssh2_session_set_timeout(jump_->raw(), 2000);
    libssh2_channel_free(channel_);
  }
  if (outer_ >= 0) ::close(outer_);
  if (inner_ >= 0) ::close(inner_);
}

}  // namespace kforge::ssh
