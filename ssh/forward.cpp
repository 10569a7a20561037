#include "ssh/forward.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libssh2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

#include "core/error.hpp"
#include "ssh/session.hpp"

namespace kforge::ssh {

namespace {

constexpr size_t kChunk = 32768;  // one read per direction; nothing more is read until it has been written

// Failures of the SSH connection itself (as opposed to one channel).
bool transportError(long rc) {
  switch (rc) {
    case LIBSSH2_ERROR_SOCKET_SEND:
    case LIBSSH2_ERROR_SOCKET_RECV:
    case LIBSSH2_ERROR_SOCKET_DISCONNECT:
    case LIBSSH2_ERROR_SOCKET_TIMEOUT:
    case LIBSSH2_ERROR_TIMEOUT:
    case LIBSSH2_ERROR_DECRYPT:
    case LIBSSH2_ERROR_KEX_FAILURE:
    case LIBSSH2_ERROR_BAD_USE:
      return true;
    default:
      return false;
  }
}

}  // namespace

// One accepted client connection and its channel.
struct LocalForward::Conn {
  int fd = -1;
  int clientPort = 0;  // the originator port sent with the channel request
  LIBSSH2_CHANNEL* channel = nullptr;
  std::string toChannel;    // read from the client, not yet accepted by the channel
  std::string toClient;     // read from the channel, not yet written to the client
  bool clientEof = false;   // the client shut its sending side...
  bool eofSent = false;     // ...and the channel got EOF
  bool channelEof = false;  // the target finished sending...
  bool clientShut = false;  // ...and the client got it (shutdown SHUT_WR)
  bool failed = false;      // give up: close the socket, free the channel
  bool done = false;        // socket closed and channel freed: remove
};

// libssh2 keeps ONE outgoing packet per session. When a call returns EAGAIN after sending only part of a packet
// (block direction OUTBOUND), that very call must be repeated before any other call that sends: otherwise the
// packet is lost or sent twice (libssh2 1.10 "resumes nonetheless"; later versions return EAGAIN to everyone
// else). So that call becomes `pending` and is the only libssh2 call made until it is through.
// libssh2 also keeps one channel-open in progress per session: connections get their channel one at a time.
struct LocalForward::State {
  enum class Op { None, Open, Write, Read, SendEof, Free };
  std::list<Conn> conns;
  Conn* opening = nullptr;  // the connection whose channel open is in progress
  Conn* pendingConn = nullptr;
  Op pendingOp = Op::None;
  bool sshWaits = false;  // a libssh2 call of this pass is waiting for the session socket
  bool broken = false;    // the bastion connection is gone

  bool may(const Conn& c, Op op) const { return !pendingConn || (pendingConn == &c && pendingOp == op); }
  bool isPending(const Conn& c, Op op) const { return pendingConn == &c && pendingOp == op; }
  // After a libssh2 call: `waiting` when it returned EAGAIN (or moved nothing).
  void after(LIBSSH2_SESSION* raw, Conn& c, Op op, bool waiting) {
    if (waiting) {
      sshWaits = true;
      if (libssh2_session_block_directions(raw) & LIBSSH2_SESSION_BLOCK_OUTBOUND) {
        pendingConn = &c;
        pendingOp = op;
        return;
      }
    }
    if (isPending(c, op)) {
      pendingConn = nullptr;
      pendingOp = Op::None;
    }
  }
};

LocalForward::LocalForward() : st_(std::make_unique<State>()) {}

std::unique_ptr<LocalForward> LocalForward::open(std::unique_ptr<Session> via, std::string targetHost, int targetPort,
                                                 std::string label) {
  if (!via) throw Error(label + ": local forward: no bastion session");
  std::unique_ptr<LocalForward> f(new LocalForward);
  f->targetHost_ = std::move(targetHost);
  f->targetPort_ = targetPort;
  f->label_ = std::move(label);
  auto sysFail = [&](const char* what) {
    throw Error(f->label_ + ": local forward to " + f->target() + ": " + what + ": " + std::strerror(errno));
  };
  f->listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (f->listener_ < 0) sysFail("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;  // ephemeral
  if (::bind(f->listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) sysFail("bind 127.0.0.1:0");
  if (::listen(f->listener_, 128) != 0) sysFail("listen");
  socklen_t len = sizeof a;
  if (::getsockname(f->listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0) sysFail("getsockname");
  f->port_ = ntohs(a.sin_port);
  if (::pipe2(f->wake_, O_CLOEXEC | O_NONBLOCK) != 0) sysFail("pipe");
  libssh2_session_set_blocking(via->raw(), 0);
  f->via_ = std::move(via);
  f->thread_ = std::thread([p = f.get()] { p->pump(); });
  return f;
}

LocalForward::~LocalForward() {
  stop_ = true;
  if (wake_[1] >= 0) {
    char b = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_[1], &b, 1);
  }
  if (thread_.joinable()) thread_.join();
  if (listener_ >= 0) ::close(listener_);
  State& s = *st_;
  for (auto& c : s.conns)
    if (c.fd >= 0) ::close(c.fd);
  if (via_) {
    // A half-sent packet cannot be finished by a different call: close the transport instead of the channels
    // one by one (every libssh2 call then fails at once, and ~Session skips the goodbye).
    if (s.pendingConn) failSession("closing with a packet half sent");
    libssh2_session_set_blocking(via_->raw(), 1);
    libssh2_session_set_timeout(via_->raw(), 2000);
    for (auto& c : s.conns) {
      if (!c.channel) continue;
      // Bounded: at most one timeout, after which the transport is shut down and the rest are freed at once.
      if (libssh2_channel_free(c.channel) == LIBSSH2_ERROR_TIMEOUT && !s.broken) failSession("closing channels timed out");
      c.channel = nullptr;
    }
  }
  if (wake_[0] >= 0) ::close(wake_[0]);
  if (wake_[1] >= 0) ::close(wake_[1]);
}

std::string LocalForward::lastError() const {
  std::lock_guard<std::mutex> lock(errorMutex_);
  return lastError_;
}

void LocalForward::remember(const std::string& error) {
  std::lock_guard<std::mutex> lock(errorMutex_);
  lastError_ = error;
}

void LocalForward::failSession(const std::string& why) {
  State& s = *st_;
  remember(label_ + ": " + via_->label() + ": forward to " + target() + ": " + why + ": " + via_->lastError());
  s.broken = true;
  via_->markBroken();
  ::shutdown(via_->socket(), SHUT_RDWR);  // every further libssh2 call fails at once
  s.pendingConn = nullptr;
  s.pendingOp = State::Op::None;
  for (auto& c : s.conns) c.failed = true;
}

bool LocalForward::acceptAll() {
  bool any = false;
  for (;;) {
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    int fd = ::accept4(listener_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) remember(label_ + ": local forward: accept: " + std::strerror(errno));
      return any;
    }
    any = true;
    ++accepted_;
    if (st_->broken) {  // lastError says why
      ::close(fd);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Conn& c = st_->conns.emplace_back();
    c.fd = fd;
    c.clientPort = ntohs(peer.sin_port);
  }
}

bool LocalForward::step(Conn& c) {
  using Op = State::Op;
  State& s = *st_;
  LIBSSH2_SESSION* raw = via_->raw();
  bool progress = false;
  char buf[kChunk];
  auto channelError = [&](long rc, const char* what) {
    if (transportError(rc)) return failSession(std::string(what) + " failed");
    // The target closing its side while the client still sends is normal; anything else is worth reporting.
    if (rc != LIBSSH2_ERROR_CHANNEL_CLOSED && rc != LIBSSH2_ERROR_CHANNEL_EOF_SENT)
      remember(label_ + ": " + via_->label() + ": forward to " + target() + ": " + what + ": " + via_->lastError());
    c.failed = true;
  };

  // Open this connection's channel: one open at a time per session, in accept order.
  if (!c.channel && !c.done && (s.opening == &c || (!s.opening && !c.failed)) && s.may(c, Op::Open)) {
    s.opening = &c;
    c.channel = libssh2_channel_direct_tcpip_ex(raw, targetHost_.c_str(), targetPort_, "127.0.0.1", c.clientPort);
    int rc = c.channel ? 0 : libssh2_session_last_errno(raw);
    s.after(raw, c, Op::Open, rc == LIBSSH2_ERROR_EAGAIN);
    if (rc == LIBSSH2_ERROR_EAGAIN) return progress;
    s.opening = nullptr;
    progress = true;
    if (!c.channel) {
      remember(label_ + ": " + via_->label() + ": cannot open a channel to " + target() + ": " + via_->lastError());
      c.failed = true;
      if (transportError(rc)) failSession("opening a channel failed");
    }
  }

  if (c.channel) {
    // client -> channel
    if (!c.failed && c.toChannel.empty() && !c.clientEof) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.toChannel.assign(buf, static_cast<size_t>(n));
        progress = true;
      } else if (n == 0) {
        c.clientEof = true;
        progress = true;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        c.failed = true;
        progress = true;
      }
    }
    if (!c.toChannel.empty() && (!c.failed || s.isPending(c, Op::Write)) && s.may(c, Op::Write)) {
      ssize_t n = libssh2_channel_write(c.channel, c.toChannel.data(), c.toChannel.size());
      s.after(raw, c, Op::Write, n == LIBSSH2_ERROR_EAGAIN || n == 0);
      if (n > 0) {
        c.toChannel.erase(0, static_cast<size_t>(n));
        progress = true;
      } else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
        channelError(n, "writing to the channel");
        progress = true;
      }
    }
    if (c.clientEof && c.toChannel.empty() && !c.eofSent && (!c.failed || s.isPending(c, Op::SendEof)) &&
        s.may(c, Op::SendEof)) {
      int rc = libssh2_channel_send_eof(c.channel);
      s.after(raw, c, Op::SendEof, rc == LIBSSH2_ERROR_EAGAIN);
      if (rc == 0) {
        c.eofSent = true;
        progress = true;
      } else if (rc != LIBSSH2_ERROR_EAGAIN) {
        channelError(rc, "sending EOF");
        progress = true;
      }
    }
    // channel -> client
    if (c.toClient.empty() && !c.channelEof && (!c.failed || s.isPending(c, Op::Read)) && s.may(c, Op::Read)) {
      ssize_t n = libssh2_channel_read(c.channel, buf, sizeof buf);
      s.after(raw, c, Op::Read, n == LIBSSH2_ERROR_EAGAIN || n == 0);
      if (n > 0) {
        c.toClient.assign(buf, static_cast<size_t>(n));
        progress = true;
      } else if (n == 0 || n == LIBSSH2_ERROR_EAGAIN) {
        if (libssh2_channel_eof(c.channel)) {
          c.channelEof = true;
          progress = true;
        }
      } else {
        channelError(n, "reading from the channel");
        progress = true;
      }
    }
    if (!c.failed && !c.toClient.empty()) {
      ssize_t n = ::send(c.fd, c.toClient.data(), c.toClient.size(), MSG_NOSIGNAL);
      if (n > 0) {
        c.toClient.erase(0, static_cast<size_t>(n));
        progress = true;
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        c.failed = true;
        progress = true;
      }
    }
    if (!c.failed && c.channelEof && c.toClient.empty() && !c.clientShut) {
      ::shutdown(c.fd, SHUT_WR);
      c.clientShut = true;
      progress = true;
    }
  }

  // Finished both ways, or given up: close the client, then free the channel (after its own half-sent packet).
  bool finished = c.channel && c.eofSent && c.clientShut;
  if ((c.failed || finished) && !c.done && s.opening != &c && !(s.pendingConn == &c && s.pendingOp != Op::Free)) {
    if (c.fd >= 0) {
      ::close(c.fd);
      c.fd = -1;
      progress = true;
    }
    if (c.channel) {
      if (!s.may(c, Op::Free)) return progress;
      int rc = libssh2_channel_free(c.channel);
      s.after(raw, c, Op::Free, rc == LIBSSH2_ERROR_EAGAIN);
      if (rc == LIBSSH2_ERROR_EAGAIN) return progress;
      c.channel = nullptr;
    }
    c.done = true;
    progress = true;
  }
  return progress;
}

void LocalForward::pump() {
  State& s = *st_;
  LIBSSH2_SESSION* raw = via_->raw();
  std::vector<pollfd> fds;
  while (!stop_) {
    s.sshWaits = false;
    bool progress = acceptAll();
    for (auto& c : s.conns) progress |= step(c);
    s.conns.remove_if([](const Conn& c) { return c.done; });
    if (progress) continue;
    // A call late in the pass may have read packets for a channel whose read came earlier; they are in
    // libssh2's queue, not in the socket, so poll() would not see them.
    if (!s.pendingConn && !s.broken) {
      bool queued = false;
      for (auto& c : s.conns) {
        if (!c.channel || c.failed) continue;
        unsigned long avail = 0;
        if (c.toClient.empty() && !c.channelEof &&
            (libssh2_channel_window_read_ex(c.channel, &avail, nullptr), avail > 0 || libssh2_channel_eof(c.channel)))
          queued = true;
        if (!c.toChannel.empty() && libssh2_channel_window_write_ex(c.channel, nullptr) > 0) queued = true;
      }
      if (queued) continue;
    }
    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listener_, POLLIN, 0});
    pollfd sp{-1, 0, 0};
    if (s.sshWaits && !s.broken) {
      sp.fd = via_->socket();
      sp.events = POLLIN;
      if (libssh2_session_block_directions(raw) & LIBSSH2_SESSION_BLOCK_OUTBOUND) sp.events |= POLLOUT;
    }
    fds.push_back(sp);
    for (auto& c : s.conns) {
      pollfd p{-1, 0, 0};
      if (c.fd >= 0 && c.channel && !c.failed) {
        if (c.toChannel.empty() && !c.clientEof) p.events |= POLLIN;
        if (!c.toClient.empty()) p.events |= POLLOUT;
        if (p.events) p.fd = c.fd;
      }
      fds.push_back(p);
    }
    // The timeout is only a safety net; every wait above has an fd.
    ::poll(fds.data(), fds.size(), 1000);
  }
}

}  // namespace kforge::ssh
