#include "ssh/tcp_connect.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "core/error.hpp"

namespace kforge::ssh {

using Clock = std::chrono::steady_clock;

// One attempt over every address the name resolves to. Returns fd or -1 with reason set.
static int connectOnce(const std::string& host, int port, std::chrono::milliseconds timeout, std::string& reason) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string portStr = std::to_string(port);
  int gai = ::getaddrinfo(host.c_str(), portStr.c_str(), &hints, &res);
  if (gai != 0) {
    reason = std::string("cannot resolve: ") + ::gai_strerror(gai);
    return -1;
  }
  auto deadline = Clock::now() + timeout;
  int fd = -1;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (s < 0) {
      reason = std::strerror(errno);
      continue;
    }
    int rc = ::connect(s, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd p{s, POLLOUT, 0};
      int pr = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
      if (pr == 0) {
        reason = "timed out after " + std::to_string(timeout.count()) + " ms";
        ::close(s);
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      reason = std::strerror(errno);
      ::close(s);
      continue;
    }
    int flags = ::fcntl(s, F_GETFL);
    ::fcntl(s, F_SETFL, flags & ~O_NONBLOCK);
    int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd = s;
  }
  ::freeaddrinfo(res);
  return fd;
}

int tcpConnect(const std::string& label, const std::string& host, int port, const ConnectPolicy& policy) {
  auto start = Clock::now();
  auto backoff = policy.backoff;
  std::string reason;
  int attempts = std::max(1, policy.attempts);
  for (int i = 1; i <= attempts; ++i) {
    int fd = connectOnce(host, port, policy.timeout, reason);
    if (fd >= 0) return fd;
    if (i < attempts) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  char took[32];
  std::snprintf(took, sizeof took, "%.1fs", secs);
  throw Error(label + " (" + host + ":" + std::to_string(port) + "): cannot connect: " + reason + " (" +
                  std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") + " in " + took + ")",
              ExitCode::Unreachable);
}

}  // namespace kforge::ssh
