// KubeClient's transport against a real TLS server, `openssl s_server -www` on a private loopback address
// (it answers every GET with 200 and an HTML status page — enough to exercise the TLS set-up, not the API):
// the CA, client certificate and key passed as in-memory blobs, a wrong CA refused, and the connect-to
// override (URL names the certificate's DNS name, the connection goes to the loopback address).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/fs.hpp"
#include "kube/client.hpp"
#include "tool_util.hpp"

using namespace kforge;
using namespace kforge::testing;

namespace {

class KubeClientTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (run("command -v openssl >/dev/null").exitCode != 0) GTEST_SKIP() << "openssl not installed";
    dir_ = makeTempDir("kforge-kube-tls");
    addr_ = uniqueLoopback(7);
    const std::string d = shq(dir_);
    auto r = run("(cd " + d +
                 " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=test-ca"
                 " && openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 1 -subj /CN=other"
                 " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=kube-apiserver"
                 " && printf 'subjectAltName=DNS:kubernetes,IP:" + addr_ + "\\n' > san.ext"
                 " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile san.ext"
                 " && openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=kubernetes-admin"
                 " && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1)");
    ASSERT_EQ(r.exitCode, 0) << r.out;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      FILE* devnull = std::fopen("/dev/null", "w");
      if (devnull) {
        ::dup2(fileno(devnull), 1);
        ::dup2(fileno(devnull), 2);
      }
      const std::string accept = addr_ + ":" + std::to_string(port_);
      ::execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(), "-cert",
               (dir_ + "/server.crt").c_str(), "-key", (dir_ + "/server.key").c_str(), "-CAfile",
               (dir_ + "/ca.crt").c_str(), "-Verify", "1", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    creds_.server = "https://" + addr_ + ":" + std::to_string(port_);
    creds_.caPem = readFile(dir_ + "/ca.crt");
    creds_.certPem = readFile(dir_ + "/client.crt");
    creds_.keyPem = readFile(dir_ + "/client.key");
    // Wait for the listener.
    kube::KubeClient probe(creds_);
    for (int i = 0; i < 100 && probe.readyz().status == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  std::string dir_, addr_;
  int port_ = 16443;
  pid_t pid_ = -1;
  kube::Credentials creds_;
};

TEST_F(KubeClientTls, InMemoryCaAndClientCertificate) {
  kube::KubeClient k(creds_);
  kube::Response r = k.request("GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("s_server"), std::string::npos);
  // The same handle serves a second call.
  EXPECT_EQ(k.request("GET", "/livez").status, 200);
}

TEST_F(KubeClientTls, WrongCaIsRefused) {
  kube::Credentials c = creds_;
  c.caPem = readFile(dir_ + "/other-ca.crt");
  kube::KubeClient k(c);
  try {
    k.request("GET", "/readyz");
    FAIL() << "a server certificate from another CA was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::Unreachable);
    EXPECT_NE(std::string(e.what()).find("kube-apiserver " + creds_.server + ": GET /readyz: "), std::string::npos)
        << e.what();
  }
}

TEST_F(KubeClientTls, ConnectToKeepsTheUrlNameForVerification) {
  kube::Credentials c = creds_;
  c.server = "https://kubernetes:" + std::to_string(port_);  // not resolvable: only CONNECT_TO gets there
  kube::ClientOptions o;
  o.connectTo = addr_ + ":" + std::to_string(port_);
  kube::KubeClient k(c, o);
  EXPECT_EQ(k.request("GET", "/readyz").status, 200);
  // tls-server-name does the same from a kubeconfig.
  kube::Credentials t = creds_;
  t.tlsServerName = "kubernetes";
  EXPECT_EQ(kube::KubeClient(t).request("GET", "/readyz").status, 200);
}

}  // namespace
