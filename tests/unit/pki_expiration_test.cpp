// check-expiration tables and renew, on the state dir and on a rendered host tree.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_set.hpp"
#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/expiration.hpp"
#include "pki/kubeconfig.hpp"
#include "pki/renew.hpp"
#include "pki/store.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using namespace kforge::pki;
namespace fs = std::filesystem;

namespace {
constexpr std::time_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
}

TEST(PkiExpiration, ShortHumanDuration) {
  EXPECT_EQ(shortHumanDuration(-5), "<invalid>");
  EXPECT_EQ(shortHumanDuration(-1), "0s");
  EXPECT_EQ(shortHumanDuration(59), "59s");
  EXPECT_EQ(shortHumanDuration(3599), "59m");
  EXPECT_EQ(shortHumanDuration(86399), "23h");
  EXPECT_EQ(shortHumanDuration(365L * 86400 - 1), "364d");
  EXPECT_EQ(shortHumanDuration(365L * 86400), "1y");
  EXPECT_EQ(shortHumanDuration(3650L * 86400 - 300), "9y");
}

TEST(PkiExpiration, GoTabwriter) {
  // Columns: max(minwidth, widest cell + padding); the last cell is not padded; a blank line splits blocks.
  EXPECT_EQ(goTabwriter("a\tbb\tc\nlonger-cell\tb\tc\n\nx\ty\n", 10, 3),
            "a             bb        c\n"
            "longer-cell   b         c\n"
            "\n"
            "x         y\n");
}

TEST(PkiExpiration, KubeadmTablesOnRenderedControlPlane) {
  auto c = kforge::testing::stackedCluster();
  std::string state = kforge::testing::freshDir("pki-exp");
  ensurePki(c, state, kNow);
  std::string root = state + "/render-cp2";
  writeFileSet(hostPkiFiles(c, *c.findHost("cp2"), state), root);
  auto info = checkExpiration(NodeLayout::hostRoot(root));
  // A minute after issue, as on a fresh cluster: 364d / 9y. The !MISSING! row widens the first column.
  std::string text = renderExpirationText(info, kNow + 60);
  std::string want =
      "CERTIFICATE                  EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED\n"
      "admin.conf                   Jan 01, 2027 00:00 UTC   364d            ca                      no      \n"
      "apiserver                    Jan 01, 2027 00:00 UTC   364d            ca                      no      \n"
      "apiserver-etcd-client        Jan 01, 2027 00:00 UTC   364d            etcd-ca                 no      \n"
      "apiserver-kubelet-client     Jan 01, 2027 00:00 UTC   364d            ca                      no      \n"
      "controller-manager.conf      Jan 01, 2027 00:00 UTC   364d            ca                      no      \n"
      "etcd-healthcheck-client      Jan 01, 2027 00:00 UTC   364d            etcd-ca                 no      \n"
      "etcd-peer                    Jan 01, 2027 00:00 UTC   364d            etcd-ca                 no      \n"
      "etcd-server                  Jan 01, 2027 00:00 UTC   364d            etcd-ca                 no      \n"
      "front-proxy-client           Jan 01, 2027 00:00 UTC   364d            front-proxy-ca          no      \n"
      "scheduler.conf               Jan 01, 2027 00:00 UTC   364d            ca                      no      \n"
      "!MISSING! super-admin.conf                                                                    \n"
      "\n"
      "CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED\n"
      "ca                      Dec 30, 2035 00:00 UTC   9y              no      \n"
      "etcd-ca                 Dec 30, 2035 00:00 UTC   9y              no      \n"
      "front-proxy-ca          Dec 30, 2035 00:00 UTC   9y              no      \n";
  EXPECT_EQ(text, want);
  // Exactly 365 days left reads "1y" (kubeadm's ShortHumanDuration), 10 years "10y".
  EXPECT_NE(renderExpirationText(info, kNow).find("   1y   "), std::string::npos);
  // One day later the residual is 364d.
  EXPECT_NE(renderExpirationText(info, kNow + 86400).find("   364d   "), std::string::npos);

  std::string json = renderExpirationJson(info, kNow);
  EXPECT_NE(json.find("\"kind\": \"CertificateExpirationInfo\""), std::string::npos);
  EXPECT_NE(json.find("\"expirationDate\": \"2027-01-01T00:00:00Z\""), std::string::npos);
  EXPECT_NE(json.find("\"missing\": true"), std::string::npos);

  // External CA: no ca.key on the node -> "yes" for ca and what it signs.
  fs::remove(root + "/etc/kubernetes/pki/ca.key");
  text = renderExpirationText(checkExpiration(NodeLayout::hostRoot(root)), kNow + 60);
  EXPECT_NE(text.find("apiserver                    Jan 01, 2027 00:00 UTC   364d            ca                      yes"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("front-proxy-client           Jan 01, 2027 00:00 UTC   364d            front-proxy-ca          no"),
            std::string::npos);
  fs::remove_all(state);
}

TEST(PkiExpiration, RowsPerNodeKind) {
  auto c = kforge::testing::externalCluster();
  std::string state = kforge::testing::freshDir("pki-exp");
  ensurePki(c, state, kNow);
  auto names = [](const std::vector<ExpirationEntry>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back((e.missing ? "!" : "") + e.name + (e.externallyManaged ? "*" : ""));
    return out;
  };
  for (std::string host : {"cp1", "etcd1", "w1"}) writeFileSet(hostPkiFiles(c, *c.findHost(host), state), state + "/r-" + host);
  auto cp = checkExpiration(NodeLayout::hostRoot(state + "/r-cp1"));
  EXPECT_EQ(names(cp.certificates),
            (std::vector<std::string>{"admin.conf", "apiserver", "apiserver-etcd-client", "apiserver-kubelet-client",
                                      "controller-manager.conf", "front-proxy-client", "scheduler.conf", "super-admin.conf"}));
  EXPECT_EQ(names(cp.certificateAuthorities), (std::vector<std::string>{"ca", "etcd-ca", "front-proxy-ca"}));
  auto etcd = checkExpiration(NodeLayout::hostRoot(state + "/r-etcd1"));
  EXPECT_EQ(names(etcd.certificates), (std::vector<std::string>{"etcd-healthcheck-client", "etcd-peer", "etcd-server"}));
  EXPECT_EQ(names(etcd.certificateAuthorities), std::vector<std::string>{"etcd-ca"});
  auto w = checkExpiration(NodeLayout::hostRoot(state + "/r-w1"));
  EXPECT_TRUE(w.certificates.empty());
  EXPECT_EQ(names(w.certificateAuthorities), std::vector<std::string>{"ca"});
  // The state dir view of a host.
  auto st = checkExpiration(NodeLayout::stateHost(state, "cp2"));
  EXPECT_EQ(names(st.certificates).back(), "!super-admin.conf");
  fs::remove_all(state);
}

TEST(PkiRenew, RenewsLeavesKeepsIdentityAndCas) {
  auto c = kforge::testing::stackedCluster();
  std::string state = kforge::testing::freshDir("pki-renew");
  ensurePki(c, state, kNow);
  std::string root = state + "/r";
  writeFileSet(hostPkiFiles(c, *c.findHost("cp1"), state), root);
  std::string pki = root + "/etc/kubernetes/pki/";
  std::string caBefore = readFile(pki + "ca.crt");
  std::string keyBefore = readFile(pki + "etcd/server.key");
  CertInfo before = inspectCert(parseCertPem(readFile(pki + "etcd/server.crt"), "").get());

  auto layout = NodeLayout::hostRoot(root);
  RenewOutcome one = renewCerts(layout, "etcd-server", kNow + 100 * 86400);
  EXPECT_EQ(one.renewed, std::vector<std::string>{"etcd-server"});
  EXPECT_EQ(one.restart, std::vector<std::string>{"etcd"});
  EXPECT_EQ(one.messages, std::vector<std::string>{"certificate for serving etcd renewed"});
  EXPECT_NE(readFile(pki + "etcd/server.key"), keyBefore);
  CertInfo after = inspectCert(parseCertPem(readFile(pki + "etcd/server.crt"), "").get());
  EXPECT_EQ(after.commonName, before.commonName);
  EXPECT_EQ(after.dnsNames, before.dnsNames);
  EXPECT_EQ(after.ips, before.ips);
  EXPECT_EQ(after.usages, before.usages);
  EXPECT_EQ(after.notAfter, kNow + 100 * 86400 + 365L * 86400);
  EXPECT_EQ(readFile(pki + "ca.crt"), caBefore);

  RenewOutcome all = renewCerts(layout, "all", kNow);
  EXPECT_EQ(all.renewed.size(), 11u);
  EXPECT_EQ(all.restart, (std::vector<std::string>{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"}));
  EXPECT_EQ(renewSummary(all),
            "Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler "
            "and etcd, so that they can use the new certificates.");
  auto kc = parseKubeconfig(readFile(root + "/etc/kubernetes/admin.conf"), "admin.conf");
  auto adminInfo = inspectCert(parseCertPem(kc.certPem, "").get());
  EXPECT_EQ(adminInfo.organization, std::vector<std::string>{"kubeadm:cluster-admins"});
  EXPECT_TRUE(signedBy(parseCertPem(kc.certPem, "").get(), parseCertPem(caBefore, "").get()));

  // External CA: no-op with kubeadm's message.
  fs::remove(pki + "front-proxy-ca.key");
  std::string fpBefore = readFile(pki + "front-proxy-client.crt");
  RenewOutcome ext = renewCerts(layout, "front-proxy-client", kNow);
  EXPECT_TRUE(ext.renewed.empty());
  EXPECT_EQ(ext.messages,
            std::vector<std::string>{"Detected external front-proxy-ca, certificate for the front proxy client can't be renewed"});
  EXPECT_EQ(readFile(pki + "front-proxy-client.crt"), fpBefore);
  EXPECT_THROW(renewCerts(layout, "ca", kNow), Error);

  // A renewed state dir is still "good" for ensurePki: nothing re-issued.
  renewCerts(NodeLayout::stateHost(state, "cp2"), "all", kNow);
  Report r = ensurePki(c, state, kNow);
  EXPECT_TRUE(r.reissued.empty());
  fs::remove_all(state);
}
