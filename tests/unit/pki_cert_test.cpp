// Certificates per kubeadm.md §1: subjects, O, EKUs, SANs, validity, backdate, key encodings, per algorithm.
#include <gtest/gtest.h>

#include <openssl/bn.h>

#include <filesystem>
#include <set>

#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/cert_specs.hpp"
#include "pki/key.hpp"
#include "pki/kubeconfig.hpp"
#include "pki/store.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using namespace kforge::pki;

namespace {

constexpr std::time_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

CertInfo load(const std::string& path) { return inspectCert(parseCertPem(readFile(path), path).get()); }
Cert loadCert(const std::string& path) { return parseCertPem(readFile(path), path); }

struct Rendered {
  Cluster c;
  std::string dir;
};

const Rendered& stacked() {
  static Rendered r = [] {
    Rendered x{kforge::testing::stackedCluster(), kforge::testing::freshDir("pki-cert")};
    x.c.apiServer.certSANs = {"api.example.test", "10.0.0.100", "not a name!", "*.apps.example.test"};
    x.c.etcd.serverCertSANs = {"etcd.example.test"};
    x.c.etcd.peerCertSANs = {"10.9.9.9"};
    ensurePki(x.c, x.dir, kNow);
    return x;
  }();
  return r;
}

}  // namespace

TEST(PkiCert, CasAreSelfSignedV3WithKubeadmSubjects) {
  const auto& r = stacked();
  for (auto [base, cn] : {std::pair{"ca", "kubernetes"}, {"front-proxy-ca", "front-proxy-ca"}, {"etcd/ca", "etcd-ca"}}) {
    auto cert = loadCert(r.dir + "/pki/" + base + ".crt");
    auto info = inspectCert(cert.get());
    EXPECT_EQ(info.commonName, cn);
    EXPECT_TRUE(info.organization.empty());
    EXPECT_TRUE(info.isCA);
    EXPECT_TRUE(info.usages.empty());
    EXPECT_EQ(info.dnsNames, std::vector<std::string>{cn});
    EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
    EXPECT_TRUE(signedBy(cert.get(), cert.get()));
    EXPECT_EQ(info.notBefore, kNow - 300);
    EXPECT_EQ(info.notAfter, kNow + 3650L * 86400);
    EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN);
    EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_DIGITAL_SIGNATURE);
    EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_KEY_ENCIPHERMENT);
    EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
    EXPECT_EQ(X509_get0_authority_key_id(cert.get()), nullptr);  // Go: none on a self-signed certificate
  }
}

TEST(PkiCert, KeyIdentifiersAsGoWritesThem) {
  // kubeadm's leaf templates set no key ids: Go adds the CA's subject key id as authority key id, and no subject
  // key id (tests/tools/kubeadm_diff_test.cpp compares with the real kubeadm).
  const auto& r = stacked();
  auto ca = loadCert(r.dir + "/pki/ca.crt");
  auto leaf = loadCert(r.dir + "/hosts/cp2/pki/apiserver.crt");
  EXPECT_EQ(X509_get0_subject_key_id(leaf.get()), nullptr);
  const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(leaf.get());
  ASSERT_NE(akid, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(akid, X509_get0_subject_key_id(ca.get())), 0);
}

TEST(PkiCert, ApiserverSans) {
  const auto& r = stacked();
  auto info = load(r.dir + "/hosts/cp2/pki/apiserver.crt");
  EXPECT_EQ(info.commonName, "kube-apiserver");
  EXPECT_EQ(info.usages, std::vector<Usage>{Usage::ServerAuth});
  EXPECT_EQ(info.dnsNames, (std::vector<std::string>{"*.apps.example.test", "api.example.test", "cp2", "kubernetes",
                                                     "kubernetes.default", "kubernetes.default.svc",
                                                     "kubernetes.default.svc.cluster.local"}));
  EXPECT_EQ(info.ips, (std::vector<std::string>{"10.96.0.1", "127.0.1.12", "10.0.0.100"}));
  EXPECT_EQ(info.notBefore, kNow - 300);
  EXPECT_EQ(info.notAfter, kNow + 365L * 86400);
  EXPECT_FALSE(info.isCA);
}

TEST(PkiCert, ApiserverIncludesEndpointHost) {
  auto c = kforge::testing::externalCluster();
  const Host& cp1 = *c.controlPlaneHosts()[0];
  auto api = hostLeafSpecs(c, cp1)[0];
  ASSERT_EQ(api.name, "apiserver");
  EXPECT_NE(std::find(api.dnsNames.begin(), api.dnsNames.end(), "lb.example.test"), api.dnsNames.end());
  c.controlPlaneEndpoint = "10.0.0.10:6443";
  api = hostLeafSpecs(c, cp1)[0];
  EXPECT_EQ(api.ips, (std::vector<std::string>{"10.96.0.1", "127.0.2.11", "10.0.0.10"}));
}

TEST(PkiCert, InvalidExtraSanIsDroppedWithWarning) {
  auto c = kforge::testing::stackedCluster();
  c.apiServer.certSANs = {"not a name!"};
  std::vector<std::string> warnings;
  hostLeafSpecs(c, *c.controlPlaneHosts()[0], &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("not a name!"), std::string::npos);
}

TEST(PkiCert, LeafTable) {
  const auto& r = stacked();
  std::string h = r.dir + "/hosts/cp1/pki/";
  struct Row {
    std::string base, ca, cn;
    std::vector<std::string> o;
    std::vector<Usage> usages;
  };
  std::vector<Row> rows = {
      {"apiserver-kubelet-client", "ca", "kube-apiserver-kubelet-client", {"kubeadm:cluster-admins"}, {Usage::ClientAuth}},
      {"front-proxy-client", "front-proxy-ca", "front-proxy-client", {}, {Usage::ClientAuth}},
      {"apiserver-etcd-client", "etcd/ca", "kube-apiserver-etcd-client", {}, {Usage::ClientAuth}},
      {"etcd/healthcheck-client", "etcd/ca", "kube-etcd-healthcheck-client", {}, {Usage::ClientAuth}},
      {"etcd/server", "etcd/ca", "cp1", {}, {Usage::ServerAuth, Usage::ClientAuth}},
      {"etcd/peer", "etcd/ca", "cp1", {}, {Usage::ServerAuth, Usage::ClientAuth}},
      {"apiserver", "ca", "kube-apiserver", {}, {Usage::ServerAuth}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.base);
    auto cert = loadCert(h + row.base + ".crt");
    auto ca = loadCert(r.dir + "/pki/" + row.ca + ".crt");
    EXPECT_TRUE(signedBy(cert.get(), ca.get()));
    auto info = inspectCert(cert.get());
    EXPECT_EQ(info.commonName, row.cn);
    EXPECT_EQ(info.organization, row.o);
    EXPECT_EQ(info.usages, row.usages);
    EXPECT_FALSE(info.isCA);
    EXPECT_EQ(info.notBefore, kNow - 300);
    EXPECT_EQ(info.notAfter, kNow + 365L * 86400);
    EXPECT_EQ(X509_get_key_usage(cert.get()) & (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_CERT_SIGN),
              static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
    EXPECT_NE(X509_get0_authority_key_id(cert.get()), nullptr);
    EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_ecdsa_with_SHA256);
    // serial in [1, 2^63)
    const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
    EXPECT_LE(ASN1_STRING_length(serial), 8);
    EXPECT_EQ(ASN1_STRING_type(serial), V_ASN1_INTEGER);
  }
  auto server = load(h + "etcd/server.crt");
  EXPECT_EQ(server.dnsNames, (std::vector<std::string>{"cp1", "etcd.example.test", "localhost"}));
  EXPECT_EQ(server.ips, (std::vector<std::string>{"127.0.1.11", "127.0.0.1", "::1"}));
  auto peer = load(h + "etcd/peer.crt");
  EXPECT_EQ(peer.dnsNames, (std::vector<std::string>{"cp1", "localhost"}));
  EXPECT_EQ(peer.ips, (std::vector<std::string>{"127.0.1.11", "127.0.0.1", "::1", "10.9.9.9"}));
}

TEST(PkiCert, Kubeconfigs) {
  const auto& r = stacked();
  struct Row {
    std::string host, file, cn;
    std::vector<std::string> o;
    std::string server;
  };
  std::vector<Row> rows = {
      {"cp1", "admin.conf", "kubernetes-admin", {"kubeadm:cluster-admins"}, "https://127.0.1.11:6443"},
      {"cp1", "super-admin.conf", "kubernetes-super-admin", {"system:masters"}, "https://127.0.1.11:6443"},
      {"cp2", "kubelet.conf", "system:node:cp2", {"system:nodes"}, "https://127.0.1.11:6443"},
      {"cp2", "controller-manager.conf", "system:kube-controller-manager", {}, "https://127.0.1.12:6443"},
      {"cp3", "scheduler.conf", "system:kube-scheduler", {}, "https://127.0.1.13:6443"},
      {"w1", "kubelet.conf", "system:node:w1", {"system:nodes"}, "https://127.0.1.11:6443"},
  };
  std::string caPem = readFile(r.dir + "/pki/ca.crt");
  auto ca = parseCertPem(caPem, "ca");
  for (const auto& row : rows) {
    SCOPED_TRACE(row.host + "/" + row.file);
    auto kc = parseKubeconfig(readFile(r.dir + "/hosts/" + row.host + "/" + row.file), row.file);
    EXPECT_EQ(kc.clusterName, "kubernetes");
    EXPECT_EQ(kc.userName, row.cn);
    EXPECT_EQ(kc.contextName(), row.cn + "@kubernetes");
    EXPECT_EQ(kc.server, row.server);
    EXPECT_EQ(kc.caPem, caPem);
    auto cert = parseCertPem(kc.certPem, row.file);
    EXPECT_TRUE(signedBy(cert.get(), ca.get()));
    auto info = inspectCert(cert.get());
    EXPECT_EQ(info.commonName, row.cn);
    EXPECT_EQ(info.organization, row.o);
    EXPECT_EQ(info.usages, std::vector<Usage>{Usage::ClientAuth});
    EXPECT_TRUE(samePublicKey(X509_get0_pubkey(cert.get()), parsePrivateKeyPem(kc.keyPem, row.file).get()));
  }
  EXPECT_FALSE(fileExists(r.dir + "/hosts/cp2/super-admin.conf"));
  EXPECT_FALSE(fileExists(r.dir + "/hosts/w1/admin.conf"));
  auto admin = parseKubeconfig(readFile(r.dir + "/admin.conf"), "admin.conf");
  EXPECT_EQ(admin.userName, "kubernetes-admin");
  EXPECT_EQ(admin.server, "https://127.0.1.11:6443");
}

TEST(PkiCert, KubeconfigRenderIsDeterministicAndRoundTrips) {
  Kubeconfig kc{"kubernetes", "https://[fd00::1]:6443", "CA\n", "system:node:a", "CERT\n", "KEY\n"};
  std::string a = renderKubeconfig(kc);
  EXPECT_EQ(a, renderKubeconfig(kc));
  auto back = parseKubeconfig(a, "x");
  EXPECT_EQ(back.server, kc.server);
  EXPECT_EQ(back.userName, kc.userName);
  EXPECT_EQ(back.caPem, "CA\n");
  EXPECT_EQ(back.keyPem, "KEY\n");
  EXPECT_NE(a.find("current-context: system:node:a@kubernetes"), std::string::npos);
}

class PkiAlgorithm : public ::testing::TestWithParam<KeyAlgorithm> {};

TEST_P(PkiAlgorithm, KeysAndSignatures) {
  KeyAlgorithm alg = GetParam();
  Pkey key = generateKey(alg);
  EXPECT_EQ(keyAlgorithmOf(key.get()), alg);
  std::string pem = privateKeyPem(key.get());
  bool rsa = alg != KeyAlgorithm::EcdsaP256;
  EXPECT_EQ(pem.rfind(rsa ? "-----BEGIN RSA PRIVATE KEY-----\n" : "-----BEGIN EC PRIVATE KEY-----\n", 0), 0u) << pem;
  EXPECT_EQ(publicKeyPem(key.get()).rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  EXPECT_TRUE(samePublicKey(parsePrivateKeyPem(pem, "k").get(), key.get()));

  CertSpec caS = caSpec("ca");
  Cert ca = issueCert(caS, key.get(), nullptr, nullptr, kNow, 3650);
  Pkey leafKey = generateKey(alg);
  CertSpec s;
  s.name = "x";
  s.caBaseName = "ca";
  s.commonName = "x";
  s.usages = {Usage::ClientAuth};
  Cert leaf = issueCert(s, leafKey.get(), ca.get(), key.get(), kNow, 365);
  EXPECT_TRUE(signedBy(leaf.get(), ca.get()));
  EXPECT_EQ(inspectCert(leaf.get()).keyAlgorithm, alg);
  EXPECT_EQ(X509_get_signature_nid(leaf.get()), rsa ? NID_sha256WithRSAEncryption : NID_ecdsa_with_SHA256);
}

INSTANTIATE_TEST_SUITE_P(All, PkiAlgorithm,
                         ::testing::Values(KeyAlgorithm::Rsa2048, KeyAlgorithm::Rsa3072, KeyAlgorithm::Rsa4096,
                                           KeyAlgorithm::EcdsaP256),
                         [](const auto& info) {
                           std::string s = toString(info.param);
                           s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
                           return s;
                         });

TEST(PkiCert, SaKeyFollowsConfiguredAlgorithm) {
  auto c = kforge::testing::stackedCluster(KeyAlgorithm::Rsa2048);
  c.nodePools.clear();  // only the shared material
  std::string dir = kforge::testing::freshDir("pki-sa");
  ensurePki(c, dir, kNow);
  EXPECT_EQ(readFile(dir + "/pki/sa.key").rfind("-----BEGIN RSA PRIVATE KEY-----", 0), 0u);
  EXPECT_EQ(readFile(dir + "/pki/sa.pub").rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
  EXPECT_EQ(keyAlgorithmOf(parsePrivateKeyPem(readFile(dir + "/pki/ca.key"), "ca").get()), KeyAlgorithm::Rsa2048);
  std::filesystem::remove_all(dir);
}

TEST(PkiCert, SerialsAreRandomAndPositive) {
  Pkey key = generateKey(KeyAlgorithm::EcdsaP256);
  std::set<std::string> serials;
  for (int i = 0; i < 20; ++i) {
    Cert c = issueCert(caSpec("ca"), key.get(), nullptr, nullptr, kNow, 10);
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c.get()), nullptr);
    EXPECT_FALSE(BN_is_negative(bn));
    EXPECT_FALSE(BN_is_zero(bn));
    EXPECT_LE(BN_num_bits(bn), 63);
    char* hex = BN_bn2hex(bn);
    serials.insert(hex);
    OPENSSL_free(hex);
    BN_free(bn);
  }
  EXPECT_EQ(serials.size(), 20u);
}

TEST(PkiKubeconfig, LaidOutAsClientGoWritesIt) {
  // Sequences not indented under their key; "preferences: {}" only before 1.34 (client-go made it omitzero).
  Kubeconfig kc{"kubernetes", "https://10.0.0.1:6443", "CA\n", "kubernetes-admin", "CERT\n", "KEY\n"};
  kc.withPreferences = kubeconfigHasPreferences(*Version::parse("v1.36.3"));
  std::string text = renderKubeconfig(kc);
  EXPECT_NE(text.find("\nclusters:\n- cluster:\n    certificate-authority-data: "), std::string::npos) << text;
  EXPECT_NE(text.find("\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: "), std::string::npos) << text;
  EXPECT_EQ(text.find("preferences"), std::string::npos) << text;
  EXPECT_FALSE(parseKubeconfig(text, "admin.conf").withPreferences);
  EXPECT_TRUE(kubeconfigHasPreferences(*Version::parse("v1.33.13")));
  kc.withPreferences = true;
  EXPECT_NE(renderKubeconfig(kc).find("\nkind: Config\npreferences: {}\nusers:\n"), std::string::npos);
  EXPECT_TRUE(parseKubeconfig(renderKubeconfig(kc), "admin.conf").withPreferences);
}

TEST(PkiCert, ControlPlaneKubeletTalksToItsOwnApiServerFrom133) {
  // kubeadm's ControlPlaneKubeletLocalMode (beta, on in 1.33; GA in 1.35); workers keep the endpoint.
  Cluster c = kforge::testing::stackedCluster();
  auto server = [&](const std::string& host) {
    for (const auto& k : hostKubeconfigSpecs(c, *c.findHost(host)))
      if (k.fileName == "kubelet.conf") return k.server;
    return std::string();
  };
  c.kubernetesVersion = *Version::parse("v1.32.13");
  EXPECT_EQ(server("cp2"), "https://127.0.1.11:6443");
  c.kubernetesVersion = *Version::parse("v1.33.6");
  EXPECT_EQ(server("cp2"), "https://127.0.1.12:6443");
  EXPECT_EQ(server("w1"), "https://127.0.1.11:6443");
}

TEST(PkiCert, ApiServerKubeletClientLosesClusterAdminsWhereKubeadmBindsItsOwnRole) {
  // kubeadm #138958 (1.33.12, 1.36.1, 1.37): no O, bound to system:kubelet-api-admin instead.
  Cluster c = kforge::testing::stackedCluster();
  auto org = [&](const char* v) {
    c.kubernetesVersion = *Version::parse(v);
    for (const auto& s : hostLeafSpecs(c, *c.findHost("cp1")))
      if (s.name == "apiserver-kubelet-client") return s.organization;
    return std::vector<std::string>{"?"};
  };
  const std::vector<std::string> admins = {"kubeadm:cluster-admins"}, none;
  EXPECT_EQ(org("v1.33.11"), admins);
  EXPECT_EQ(org("v1.33.12"), none);
  EXPECT_EQ(org("v1.34.4"), admins);
  EXPECT_EQ(org("v1.35.4"), admins);
  EXPECT_EQ(org("v1.36.1"), none);
  EXPECT_EQ(org("v1.37.2"), none);
}
