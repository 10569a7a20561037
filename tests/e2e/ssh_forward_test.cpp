// Local port forward through the bastion: tb1 is the bastion, the services run on tb2's address (started over
// SSH inside tb2 and killed by the test), clients connect to 127.0.0.1:<forward port> on this machine.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "ssh/exec.hpp"
#include "ssh/forward.hpp"
#include "tests/e2e/testbed_fixture.hpp"

using namespace kforge;
using namespace kforge::ssh;
using namespace kforge::e2e;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kHttpPort = 18099;
constexpr int kEchoPort = 18098;

// Echo server: one thread per connection, echoes until the client's EOF, then shuts down its sending side.
// With a third argument it stops listening after that many connections (those keep being served).
const char* kEchoServer = R"PY(
import socket, sys, threading
addr, port = sys.argv[1], int(sys.argv[2])
limit = int(sys.argv[3]) if len(sys.argv) > 3 else -1
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port))
srv.listen(64)
def serve(c):
    with c:
        while True:
            b = c.recv(65536)
            if not b:
                break
            c.sendall(b)
        c.shutdown(socket.SHUT_WR)
n = 0
while limit < 0 or n < limit:
    c, _ = srv.accept()
    n += 1
    threading.Thread(target=serve, args=(c,)).start()
srv.close()
)PY";

std::string pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  unsigned x = seed * 2654435761u + 1;
  for (auto& ch : s) {
    x = x * 1103515245u + 12345u;
    ch = static_cast<char>(x >> 16);
  }
  return s;
}

// Connects to host:port; every later read and write gives up after 20 s (a hang fails the test, not ctest).
int dial(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

bool sendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads until EOF (or error / timeout: `ok` false).
std::string readAll(int fd, bool* ok = nullptr) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (ok) *ok = false;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  if (ok) *ok = true;
  return out;
}

// Reads exactly n bytes (fewer on EOF, error or timeout).
std::string readN(int fd, size_t n) {
  std::string out;
  char buf[65536];
  while (out.size() < n) {
    ssize_t r = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

// Sends data while reading the echo, then half-closes; returns everything read until EOF.
std::string echoThrough(int port, const std::string& data) {
  int fd = dial("127.0.0.1", port);
  if (fd < 0) return "<connect failed>";
  std::thread writer([&] {
    sendAll(fd, data);
    ::shutdown(fd, SHUT_WR);
  });
  std::string got = readAll(fd);
  writer.join();
  ::close(fd);
  return got;
}

bool waitListening(const std::string& host, int port) {
  for (int i = 0; i < 100; ++i) {
    int fd = dial(host, port);
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::unique_ptr<Session> connectTo(int i) {
  return Session::connect(Testbed::name(i), {Testbed::address(i), 22}, Testbed::options());
}

// A server started in the background on tb2 (its own session and process group), killed when this goes away.
class RemoteServer {
 public:
  RemoteServer(const std::string& name, const std::string& commandLine, int port) : name_(name) {
    tb2_ = connectTo(2);
    // Only the server goes to the background (`a && b &` would background a subshell that waits for it, holding
    // the channel open).
    execChecked(*tb2_, "mkdir -p /root/fwd && cd /root/fwd || exit 1; setsid sh -c 'echo $$ >" + name + ".pid; exec " +
                           commandLine + "' </dev/null >" + name + ".log 2>&1 &");
    ready_ = waitListening(Testbed::address(2), port);
  }
  ~RemoteServer() {
    exec(*tb2_, "kill -TERM -- -$(cat /root/fwd/" + name_ + ".pid) 2>/dev/null; rm -f /root/fwd/" + name_ + ".pid");
  }
  bool ready() const { return ready_; }
  std::string log() { return exec(*tb2_, "cat /root/fwd/" + name_ + ".log").out; }
  Session& session() { return *tb2_; }

 private:
  std::string name_;
  std::unique_ptr<Session> tb2_;
  bool ready_ = false;
};

void putFile(Session& s, const std::string& path, const std::string& content) {
  ExecOptions o;
  o.stdinData = content;
  execChecked(s, "mkdir -p \"$(dirname " + path + ")\" && cat >" + path, o);
}

std::unique_ptr<LocalForward> forwardTo(int port) {
  // Labelled as Session::connect labels a bastion session.
  auto bastion = Session::connect("bastion " + Testbed::name(1), {Testbed::address(1), 22}, Testbed::options());
  return LocalForward::open(std::move(bastion), Testbed::address(2), port, "forward-test");
}

}  // namespace

class SshForward : public TestbedTest {};

TEST_F(SshForward, FetchesFromAServiceBehindTheBastion) {
  auto tb2 = connectTo(2);
  std::string content;
  for (int i = 0; i < 4000; ++i) content += "line " + std::to_string(i) + " of the file served by tb2\n";
  putFile(*tb2, "/root/fwd/www/data.txt", content);
  RemoteServer http("http", "/usr/bin/python3 -m http.server --bind " + Testbed::address(2) + " " +
                                std::to_string(kHttpPort) + " --directory /root/fwd/www", kHttpPort);
  ASSERT_TRUE(http.ready()) << http.log();

  auto t0 = Clock::now();
  auto fwd = forwardTo(kHttpPort);
  ASSERT_GT(fwd->port(), 0);
  EXPECT_EQ(fwd->endpoint(), "127.0.0.1:" + std::to_string(fwd->port()));
  EXPECT_EQ(fwd->target(), Testbed::address(2) + ":" + std::to_string(kHttpPort));
  std::string port = std::to_string(fwd->port());

  // Plain socket: a hand-written request, the body must be the file.
  int fd = dial("127.0.0.1", fwd->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd, "GET /data.txt HTTP/1.0\r\nHost: tb2\r\n\r\n"));
  bool ok = false;
  std::string response = readAll(fd, &ok);
  ::close(fd);
  EXPECT_TRUE(ok);
  auto body = response.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos) << response.substr(0, 200);
  EXPECT_EQ(response.rfind("HTTP/1.0 200", 0), 0u) << response.substr(0, 200);
  EXPECT_EQ(response.substr(body + 4), content);

  // curl, twice in parallel, the way the API client reaches the API server: the real name in the URL,
  // the TCP connection redirected to the forward (CONNECT_TO).
  Cmd c = sh("for i in 1 2; do curl -sS --max-time 20 --connect-to tb2.invalid:" + std::to_string(kHttpPort) +
             ":127.0.0.1:" + port + " http://tb2.invalid:" + std::to_string(kHttpPort) +
             "/data.txt -o /tmp/kforge-e2e-fwd-$i.txt & done; wait; cat /tmp/kforge-e2e-fwd-1.txt /tmp/kforge-e2e-fwd-2.txt; "
             "rm -f /tmp/kforge-e2e-fwd-1.txt /tmp/kforge-e2e-fwd-2.txt");
  EXPECT_EQ(c.exitCode, 0);
  EXPECT_EQ(c.out, content + content);
  EXPECT_EQ(fwd->accepted(), 3);
  EXPECT_EQ(fwd->lastError(), "");
  std::fprintf(stderr, "[ timing ] http fetches through the forward: %.3f s\n", secondsSince(t0));
  execChecked(*tb2, "rm -rf /root/fwd/www");
}

TEST_F(SshForward, EightConcurrentConnectionsOneMiBEachWay) {
  auto tb2 = connectTo(2);
  putFile(*tb2, "/root/fwd/echo.py", kEchoServer);
  RemoteServer echo("echo", "/usr/bin/python3 /root/fwd/echo.py " + Testbed::address(2) + " " + std::to_string(kEchoPort),
                    kEchoPort);
  ASSERT_TRUE(echo.ready()) << echo.log();
  auto fwd = forwardTo(kEchoPort);

  constexpr int kConns = 8;
  constexpr size_t kBytes = 1 << 20;
  std::vector<std::string> sent(kConns), got(kConns);
  for (int i = 0; i < kConns; ++i) sent[i] = pattern(kBytes + static_cast<size_t>(i) * 1013, static_cast<unsigned>(i + 1));
  auto t0 = Clock::now();
  std::vector<std::thread> clients;
  for (int i = 0; i < kConns; ++i) clients.emplace_back([&, i] { got[i] = echoThrough(fwd->port(), sent[i]); });
  for (auto& t : clients) t.join();
  double took = secondsSince(t0);
  for (int i = 0; i < kConns; ++i) {
    EXPECT_EQ(got[i].size(), sent[i].size()) << "connection " << i;
    EXPECT_TRUE(got[i] == sent[i]) << "connection " << i << ": bytes differ";
  }
  EXPECT_EQ(fwd->accepted(), kConns);
  EXPECT_EQ(fwd->lastError(), "");
  std::fprintf(stderr, "[ timing ] %d connections x %zu bytes each way: %.3f s\n", kConns, kBytes, took);
}

TEST_F(SshForward, UnreachableTargetClosesThatConnectionOnly) {
  auto tb2 = connectTo(2);
  putFile(*tb2, "/root/fwd/echo.py", kEchoServer);
  // Nothing listens on 2999: the connection is accepted locally, then closed; the error names the target.
  {
    auto fwd = forwardTo(2999);
    int fd = dial("127.0.0.1", fwd->port());
    ASSERT_GE(fd, 0);
    auto t0 = Clock::now();
    bool ok = false;
    EXPECT_EQ(readAll(fd, &ok), "");
    EXPECT_TRUE(ok) << "expected EOF, not a timeout";
    EXPECT_LT(secondsSince(t0), 15.0);  // an answer, not the 20 s timeout
    ::close(fd);
    std::string err = fwd->lastError();
    EXPECT_NE(err.find("forward-test: bastion tb1"), std::string::npos) << err;
    EXPECT_NE(err.find("cannot open a channel to " + Testbed::address(2) + ":2999"), std::string::npos) << err;
  }
  // The echo server takes ONE connection, then stops listening: the second connection fails while the first
  // keeps working on the same forward.
  RemoteServer echo("echo1", "/usr/bin/python3 /root/fwd/echo.py " + Testbed::address(2) + " " +
                                 std::to_string(kEchoPort) + " 2", kEchoPort);  // 1 for waitListening's probe
  ASSERT_TRUE(echo.ready()) << echo.log();
  auto fwd = forwardTo(kEchoPort);
  int a = dial("127.0.0.1", fwd->port());
  ASSERT_GE(a, 0);
  std::string first = pattern(100000, 7);
  ASSERT_TRUE(sendAll(a, first));
  EXPECT_TRUE(readN(a, first.size()) == first);
  EXPECT_EQ(fwd->lastError(), "");

  int b = dial("127.0.0.1", fwd->port());
  ASSERT_GE(b, 0);
  bool ok = false;
  EXPECT_EQ(readAll(b, &ok), "");
  EXPECT_TRUE(ok) << "expected EOF, not a timeout";
  ::close(b);
  EXPECT_NE(fwd->lastError().find("cannot open a channel to " + Testbed::address(2) + ":" + std::to_string(kEchoPort)),
            std::string::npos)
      << fwd->lastError();

  std::string second = pattern(300000, 8);
  EXPECT_TRUE(sendAll(a, second));
  ::shutdown(a, SHUT_WR);
  EXPECT_TRUE(readAll(a, &ok) == second);
  EXPECT_TRUE(ok);
  ::close(a);
}

TEST_F(SshForward, DestroyingWithOpenConnectionsDoesNotHang) {
  auto tb2 = connectTo(2);
  putFile(*tb2, "/root/fwd/echo.py", kEchoServer);
  RemoteServer echo("echo2", "/usr/bin/python3 /root/fwd/echo.py " + Testbed::address(2) + " " + std::to_string(kEchoPort),
                    kEchoPort);
  ASSERT_TRUE(echo.ready()) << echo.log();
  auto fwd = forwardTo(kEchoPort);
  // One idle connection (after a round trip) and one stuck mid-transfer: it writes without reading, so every
  // buffer on the way (socket, channel window, the echo server's socket) is full.
  int idle = dial("127.0.0.1", fwd->port());
  ASSERT_GE(idle, 0);
  ASSERT_TRUE(sendAll(idle, "ping"));
  EXPECT_EQ(readN(idle, 4), "ping");
  int busy = dial("127.0.0.1", fwd->port());
  ASSERT_GE(busy, 0);
  timeval tv{1, 0};
  ::setsockopt(busy, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string chunk(1 << 20, 'x');
  size_t pushed = 0;
  for (int i = 0; i < 64; ++i) {
    ssize_t n = ::send(busy, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n <= 0) break;  // SO_SNDTIMEO: the pipeline is full
    pushed += static_cast<size_t>(n);
  }
  EXPECT_LT(pushed, 64u << 20) << "backpressure: the forward must not buffer without bound";

  auto t0 = Clock::now();
  fwd.reset();
  double took = secondsSince(t0);
  EXPECT_LT(took, 15.0);  // catches a hang, with room for a loaded machine
  std::fprintf(stderr, "[ timing ] destroy with 2 open connections (%zu bytes pushed): %.3f s\n", pushed, took);
  // Both clients see the end (EOF or reset), not a 20 s timeout.
  for (int fd : {idle, busy}) {
    auto t1 = Clock::now();
    char buf[65536];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    EXPECT_LT(secondsSince(t1), 15.0);
    ::close(fd);
  }
}
