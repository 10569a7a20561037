// KubeClient's transport against a real TLS server, `openssl s_server -www` on a private loopback address
// (it answers every GET with 200 and an HTML status page — enough to exercise the TLS set-up, not the API):
// the CA, client certificate and key passed as in-memory blobs, a wrong CA refused, and the connect-to
// override (URL names the certificate's DNS name, the connection goes to the loopback address).
// Pod eviction against a canned API server (tests/tools/fixtures/fake_apiserver.py, Python's http.server over
// mutual TLS): each answer the real API server gives (200/201, 404, 429 for a PodDisruptionBudget, 403).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/fs.hpp"
#include "kube/client.hpp"
#include "tool_util.hpp"

using namespace kforge;
using namespace kforge::testing;

namespace {

// A CA, a server certificate for `addr` (and DNS:kubernetes), a client certificate, and another CA, in dir.
RunResult makeTestPki(const std::string& dir, const std::string& addr) {
  const std::string d = shq(dir);
  return run("(cd " + d +
                 " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=test-ca"
                 " && openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 1 -subj /CN=other"
                 " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=kube-apiserver"
                 " && printf 'subjectAltName=DNS:kubernetes,IP:" + addr + "\\n' > san.ext"
                 " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 -extfile san.ext"
                 " && openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=kubernetes-admin"
                 " && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 1)");
}

class KubeClientTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (run("command -v openssl >/dev/null").exitCode != 0) GTEST_SKIP() << "openssl not installed";
    dir_ = makeTempDir("kforge-kube-tls");
    addr_ = uniqueLoopback(7);
    auto r = makeTestPki(dir_, addr_);
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
    // Wait for the listener (a hang bound, not a timing assumption), then require it to answer: every test
    // below starts from a server that is up and trusted with the right CA.
    kube::KubeClient probe(creds_);
    kube::ReadyzResult ready;
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
         (ready = probe.readyz()).status == 0 && std::chrono::steady_clock::now() < until;)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(ready.status, 200) << "openssl s_server on " << creds_.server << " never answered: " << ready.text;
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
  // The server is up and answers this very request when the right CA is trusted...
  ASSERT_EQ(kube::KubeClient(creds_).request("GET", "/readyz").status, 200);
  // ...and the same request trusting another CA fails in certificate verification, not in the network.
  kube::Credentials c = creds_;
  c.caPem = readFile(dir_ + "/other-ca.crt");
  kube::KubeClient k(c);
  try {
    k.request("GET", "/readyz");
    FAIL() << "a server certificate from another CA was accepted";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.code(), ExitCode::Unreachable);
    EXPECT_EQ(m.rfind("kube-apiserver " + creds_.server + ": GET /readyz: ", 0), 0u) << m;
    // libcurl's CURLE_PEER_FAILED_VERIFICATION text, "SSL certificate problem: <OpenSSL's verify error>" (here
    // "self-signed certificate in certificate chain": the chain s_server sends ends in a CA we do not trust).
    EXPECT_NE(m.find("SSL certificate problem: "), std::string::npos) << m;
    EXPECT_NE(m.find("certificate"), m.find("SSL certificate problem: ") + 5) << m;
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

// ---- evictPod against the canned API server

class KubeEviction : public ::testing::Test {
 protected:
  void SetUp() override {
    if (run("command -v openssl >/dev/null && command -v python3 >/dev/null").exitCode != 0)
      GTEST_SKIP() << "openssl or python3 not installed";
    dir_ = makeTempDir("kforge-kube-evict");
    const std::string addr = uniqueLoopback(8);
    auto r = makeTestPki(dir_, addr);
    ASSERT_EQ(r.exitCode, 0) << r.out;
    const std::string portFile = dir_ + "/port";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      const std::string script = sourceDir() + "/tests/tools/fixtures/fake_apiserver.py";
      const std::string err = dir_ + "/server.log";
      FILE* f = std::fopen(err.c_str(), "w");
      if (f) ::dup2(fileno(f), 2);
      ::execlp("python3", "python3", script.c_str(), addr.c_str(), (dir_ + "/server.crt").c_str(),
               (dir_ + "/server.key").c_str(), (dir_ + "/ca.crt").c_str(), portFile.c_str(),
               (dir_ + "/requests.jsonl").c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // The server writes its port once it listens: wait for that event (the bound only catches a hang).
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
         !fileExists(portFile) && std::chrono::steady_clock::now() < until;)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(fileExists(portFile)) << run("cat " + shq(dir_ + "/server.log")).out;
    creds_.server = "https://" + addr + ":" + readFile(portFile);
    creds_.caPem = readFile(dir_ + "/ca.crt");
    creds_.certPem = readFile(dir_ + "/client.crt");
    creds_.keyPem = readFile(dir_ + "/client.key");
    ASSERT_EQ(kube::KubeClient(creds_).readyz().status, 200);
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    run("rm -rf " + shq(dir_));
  }
  // The requests the server saw, one JSON object each.
  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::istringstream in(fileExists(dir_ + "/requests.jsonl") ? readFile(dir_ + "/requests.jsonl") : "");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  // The Eviction body of the last POST.
  nlohmann::json lastEviction() const {
    auto rs = requests();
    for (auto it = rs.rbegin(); it != rs.rend(); ++it)
      if ((*it)["method"] == "POST") return nlohmann::json::parse((*it)["body"].get<std::string>());
    return nullptr;
  }

  std::string dir_;
  pid_t pid_ = -1;
  kube::Credentials creds_;
};

TEST_F(KubeEviction, Created201AndOk200AreEvicted) {
  kube::KubeClient k(creds_);
  for (const char* pod : {"evict-201", "evict-200"}) {
    kube::EvictionResult r = k.evictPod("web", pod, 30);
    EXPECT_EQ(r.outcome, kube::EvictionOutcome::Evicted) << pod;
    EXPECT_EQ(r.message, "") << pod;
    auto rs = requests();
    ASSERT_FALSE(rs.empty());
    EXPECT_EQ(rs.back()["path"], std::string("/api/v1/namespaces/web/pods/") + pod + "/eviction");
    nlohmann::json ev = lastEviction();
    EXPECT_EQ(ev["apiVersion"], "policy/v1");
    EXPECT_EQ(ev["kind"], "Eviction");
    EXPECT_EQ(ev["metadata"]["name"], pod);
    EXPECT_EQ(ev["metadata"]["namespace"], "web");
    EXPECT_EQ(ev["deleteOptions"]["gracePeriodSeconds"], 30);
  }
  // Without a grace period, the pod's own applies: no deleteOptions at all.
  EXPECT_EQ(k.evictPod("web", "evict-201").outcome, kube::EvictionOutcome::Evicted);
  EXPECT_FALSE(lastEviction().contains("deleteOptions"));
}

TEST_F(KubeEviction, NotFound404IsAGonePod) {
  kube::KubeClient k(creds_);
  kube::EvictionResult r = k.evictPod("web", "gone");
  EXPECT_EQ(r.outcome, kube::EvictionOutcome::NotFound);
  EXPECT_EQ(r.message, "pods \"gone\" not found");
}

TEST_F(KubeEviction, TooManyRequests429IsBlockedByAPodDisruptionBudget) {
  kube::KubeClient k(creds_);
  kube::EvictionResult r = k.evictPod("web", "guarded");
  EXPECT_EQ(r.outcome, kube::EvictionOutcome::BlockedByPdb);
  EXPECT_EQ(r.message, "Cannot evict pod as it would violate the pod's disruption budget.");
}

TEST_F(KubeEviction, OtherStatusesThrowApiError) {
  kube::KubeClient k(creds_);
  try {
    k.evictPod("web", "forbidden");
    FAIL() << "a 403 was taken for an eviction outcome";
  } catch (const kube::ApiError& e) {
    EXPECT_EQ(e.httpStatus(), 403);
    EXPECT_EQ(std::string(e.what()), "kube-apiserver " + creds_.server +
                                         ": POST /api/v1/namespaces/web/pods/forbidden/eviction: 403 Forbidden: pods "
                                         "\"forbidden\" is forbidden: User \"x\" cannot create resource "
                                         "\"pods/eviction\" in the namespace \"web\"");
  }
}

}  // namespace
