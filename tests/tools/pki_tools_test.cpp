// The PKI checked with real programs: openssl verify / x509 -text, kubectl config, and the kforge certs commands.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_set.hpp"
#include "core/fs.hpp"
#include "pki/store.hpp"
#include "tests/tools/tool_util.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using namespace kforge::testing;
namespace fs = std::filesystem;

namespace {

bool have(const std::string& tool) { return run("command -v " + tool).exitCode == 0; }

struct Fixture {
  Cluster c;
  std::string state, root;  // root: rendered trees root/<host>/etc/kubernetes
};

const Fixture& rendered() {
  static Fixture f = [] {
    Fixture x{stackedCluster(), makeTempDir("kforge-pki-tools"), ""};
    x.c.apiServer.certSANs = {"api.example.test", "10.0.0.100"};
    x.root = x.state + "/render";
    pki::ensurePki(x.c, x.state, std::time(nullptr) - 120);  // issued two minutes ago: residual reads 364d
    for (const Host* h : x.c.hosts()) writeFileSet(pki::hostPkiFiles(x.c, *h, x.state), x.root + "/" + h->name);
    return x;
  }();
  return f;
}

std::string pkiDir(const std::string& host) { return rendered().root + "/" + host + "/etc/kubernetes/pki/"; }

}  // namespace

TEST(PkiTools, OpensslVerifiesEveryLeafAgainstItsCa) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  struct Row {
    std::string leaf, ca;
  };
  std::vector<Row> rows = {{"apiserver", "ca"},
                           {"apiserver-kubelet-client", "ca"},
                           {"front-proxy-client", "front-proxy-ca"},
                           {"apiserver-etcd-client", "etcd/ca"},
                           {"etcd/server", "etcd/ca"},
                           {"etcd/peer", "etcd/ca"},
                           {"etcd/healthcheck-client", "etcd/ca"}};
  for (std::string host : {"cp1", "cp2", "cp3"})
    for (const auto& r : rows) {
      std::string d = pkiDir(host);
      auto res = run("openssl verify -CAfile " + shq(d + r.ca + ".crt") + " " + shq(d + r.leaf + ".crt"));
      EXPECT_EQ(res.exitCode, 0) << host << " " << r.leaf << ": " << res.out;
      // And not against a wrong CA.
      std::string wrong = r.ca == "ca" ? "front-proxy-ca" : "ca";
      EXPECT_NE(run("openssl verify -CAfile " + shq(d + wrong + ".crt") + " " + shq(d + r.leaf + ".crt")).exitCode, 0);
    }
}

TEST(PkiTools, OpensslTextShowsKubeadmFields) {
  if (!have("openssl")) GTEST_SKIP() << "openssl not installed";
  auto text = [](const std::string& file) { return run("openssl x509 -noout -text -in " + shq(file)).out; };
  std::string api = text(pkiDir("cp2") + "apiserver.crt");
  EXPECT_NE(api.find("Subject: CN = kube-apiserver"), std::string::npos) << api;
  EXPECT_NE(api.find("Issuer: CN = kubernetes"), std::string::npos);
  EXPECT_NE(api.find("DNS:api.example.test, DNS:cp2, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, "
                     "DNS:kubernetes.default.svc.cluster.local, IP Address:10.96.0.1, IP Address:127.0.1.12, "
                     "IP Address:10.0.0.100"),
            std::string::npos)
      << api;
  EXPECT_NE(api.find("TLS Web Server Authentication"), std::string::npos);
  EXPECT_NE(api.find("X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment"), std::string::npos);
  EXPECT_NE(api.find("CA:FALSE"), std::string::npos);
  EXPECT_NE(api.find("Version: 3 (0x2)"), std::string::npos);
  // As Go writes kubeadm's leaves: an authority key id, no subject key id (that is on the CAs).
  EXPECT_EQ(api.find("X509v3 Subject Key Identifier"), std::string::npos);
  EXPECT_NE(api.find("X509v3 Authority Key Identifier"), std::string::npos);

  std::string kc = text(pkiDir("cp1") + "apiserver-kubelet-client.crt");
  EXPECT_NE(kc.find("Subject: O = kubeadm:cluster-admins, CN = kube-apiserver-kubelet-client"), std::string::npos) << kc;
  EXPECT_NE(kc.find("TLS Web Client Authentication"), std::string::npos);

  std::string peer = text(pkiDir("cp3") + "etcd/peer.crt");
  EXPECT_NE(peer.find("Subject: CN = cp3"), std::string::npos);
  EXPECT_NE(peer.find("Issuer: CN = etcd-ca"), std::string::npos);
  EXPECT_NE(peer.find("TLS Web Server Authentication, TLS Web Client Authentication"), std::string::npos) << peer;
  EXPECT_NE(peer.find("DNS:cp3, DNS:localhost, IP Address:127.0.1.13, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
            std::string::npos)
      << peer;

  std::string ca = text(pkiDir("cp1") + "ca.crt");
  EXPECT_NE(ca.find("X509v3 Basic Constraints: critical\n                CA:TRUE"), std::string::npos) << ca;
  EXPECT_NE(ca.find("Certificate Sign"), std::string::npos);
  EXPECT_NE(ca.find("DNS:kubernetes"), std::string::npos);

  // Private keys: PKCS#1/SEC1 parse with openssl; sa.pub is a PKIX public key.
  EXPECT_EQ(run("openssl pkey -noout -in " + shq(pkiDir("cp1") + "apiserver.key")).exitCode, 0);
  EXPECT_EQ(run("openssl pkey -pubin -noout -in " + shq(pkiDir("cp1") + "sa.pub")).exitCode, 0);
}

TEST(PkiTools, KubectlReadsEveryKubeconfig) {
  if (!have("kubectl")) GTEST_SKIP() << "kubectl not installed";
  struct Row {
    std::string host, file, user, server;
  };
  std::vector<Row> rows = {{"cp1", "admin.conf", "kubernetes-admin", "https://127.0.1.11:6443"},
                           {"cp1", "super-admin.conf", "kubernetes-super-admin", "https://127.0.1.11:6443"},
                           {"cp2", "kubelet.conf", "system:node:cp2", "https://127.0.1.11:6443"},
                           {"cp2", "controller-manager.conf", "system:kube-controller-manager", "https://127.0.1.12:6443"},
                           {"cp3", "scheduler.conf", "system:kube-scheduler", "https://127.0.1.13:6443"},
                           {"w1", "kubelet.conf", "system:node:w1", "https://127.0.1.11:6443"}};
  for (const auto& r : rows) {
    SCOPED_TRACE(r.host + "/" + r.file);
    std::string kc = shq(rendered().root + "/" + r.host + "/etc/kubernetes/" + r.file);
    auto view = run("kubectl config view --raw --kubeconfig " + kc + " -o jsonpath='{.clusters[0].name} "
                    "{.clusters[0].cluster.server} {.users[0].name} {.current-context}'");
    EXPECT_EQ(view.exitCode, 0) << view.out;
    EXPECT_EQ(view.out, "kubernetes " + r.server + " " + r.user + " " + r.user + "@kubernetes");
    auto ctx = run("kubectl config get-contexts --kubeconfig " + kc + " --no-headers");
    EXPECT_EQ(ctx.exitCode, 0) << ctx.out;
    EXPECT_EQ(ctx.out.rfind("*", 0), 0u) << ctx.out;  // the current context
    EXPECT_NE(ctx.out.find(" " + r.user + "@kubernetes   kubernetes   " + r.user), std::string::npos) << ctx.out;
    // The embedded client certificate chains to the embedded CA.
    std::string tmp = makeTempDir("kforge-kc");
    run("kubectl config view --raw --kubeconfig " + kc + " -o jsonpath='{.users[0].user.client-certificate-data}' | "
        "base64 -d > " + tmp + "/c.crt");
    run("kubectl config view --raw --kubeconfig " + kc + " -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | "
        "base64 -d > " + tmp + "/ca.crt");
    auto v = run("openssl verify -CAfile " + tmp + "/ca.crt " + tmp + "/c.crt");
    EXPECT_EQ(v.exitCode, 0) << v.out;
    fs::remove_all(tmp);
  }
}

TEST(PkiTools, KforgeCheckExpirationAndRenew) {
  std::string cp1 = rendered().root + "/cp1";
  auto res = run(shq(kforgeBinary()) + " certs check-expiration --dir " + shq(cp1));
  ASSERT_EQ(res.exitCode, 0) << res.out;
  EXPECT_EQ(res.out.rfind("CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   "
                          "EXTERNALLY MANAGED\n",
                          0),
            0u)
      << res.out;
  for (std::string row : {"admin.conf", "apiserver ", "apiserver-etcd-client", "apiserver-kubelet-client",
                          "controller-manager.conf", "etcd-healthcheck-client", "etcd-peer", "etcd-server",
                          "front-proxy-client", "scheduler.conf", "super-admin.conf"})
    EXPECT_NE(res.out.find("\n" + row), std::string::npos) << row << "\n" << res.out;
  EXPECT_NE(res.out.find("364d            ca                      no      \n"), std::string::npos) << res.out;
  EXPECT_NE(res.out.find("\nCERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED\n"),
            std::string::npos);
  EXPECT_NE(res.out.find("\netcd-ca                 "), std::string::npos);
  EXPECT_EQ(res.out.find("kubelet.conf"), std::string::npos);

  auto cp2 = run(shq(kforgeBinary()) + " certs check-expiration --dir " + shq(rendered().root + "/cp2"));
  EXPECT_NE(cp2.out.find("!MISSING! super-admin.conf"), std::string::npos) << cp2.out;

  auto json = run(shq(kforgeBinary()) + " -o json certs check-expiration --dir " + shq(cp1));
  EXPECT_EQ(json.exitCode, 0);
  EXPECT_NE(json.out.find("\"certificateAuthority\": \"etcd-ca\""), std::string::npos) << json.out;

  auto renew = run(shq(kforgeBinary()) + " certs renew apiserver --dir " + shq(cp1));
  EXPECT_EQ(renew.exitCode, 0) << renew.out;
  EXPECT_NE(renew.out.find("certificate for serving the Kubernetes API renewed"), std::string::npos) << renew.out;
  EXPECT_NE(renew.out.find("You must restart the kube-apiserver, so that they can use the new certificates."),
            std::string::npos);
  EXPECT_EQ(run("openssl verify -CAfile " + shq(pkiDir("cp1") + "ca.crt") + " " + shq(pkiDir("cp1") + "apiserver.crt"))
                .exitCode,
            0);
  EXPECT_NE(run(shq(kforgeBinary()) + " certs renew nonsense --dir " + shq(cp1)).exitCode, 0);

  auto st = run(shq(kforgeBinary()) + " certs renew all --state-dir " + shq(rendered().state));
  EXPECT_EQ(st.exitCode, 0) << st.out;
  EXPECT_NE(st.out.find("[cp3]"), std::string::npos);
  EXPECT_NE(st.out.find("kforge apply"), std::string::npos);
  auto stCheck = run(shq(kforgeBinary()) + " certs check-expiration --state-dir " + shq(rendered().state) + " --host cp1");
  EXPECT_EQ(stCheck.exitCode, 0) << stCheck.out;
  EXPECT_EQ(stCheck.out.find("MISSING"), std::string::npos) << stCheck.out;
}
