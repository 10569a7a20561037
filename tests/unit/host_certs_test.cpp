// certs check-expiration -f INV: what the remote script prints, parsed; expiry within --warn-days; the textfile.
#include <gtest/gtest.h>

#include "bootstrap/host_certs.hpp"

namespace kforge {
namespace {

TEST(HostCerts, ParsesCertificatesKubeconfigClientCertsAndCaKeyNames) {
  auto h = parseHostCerts(
      "==cert pki/apiserver.crt\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\n"
      "==cert admin.conf\n-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n\n"
      "==cert broken.conf\n\n"  // a kubeconfig without a client certificate
      "==key pki/ca.key\n");
  ASSERT_EQ(h.pems.size(), 2u);
  EXPECT_EQ(h.pems.at("pki/apiserver.crt"), "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\n");
  EXPECT_NE(h.pems.at("admin.conf").find("BBB"), std::string::npos);
  EXPECT_EQ(h.caKeys, (std::set<std::string>{"pki/ca.key"}));
}

TEST(HostCerts, TheScriptNeverPrintsAKeyFile) {
  std::string s = hostCertsScript();
  EXPECT_EQ(s.find("cat \"$k\""), std::string::npos);
  EXPECT_EQ(s.find("client-key"), std::string::npos);
  EXPECT_EQ(s.find(".key'"), std::string::npos);
}

std::vector<HostCertReport> reports(std::time_t now) {
  HostCertRow soon{"front-proxy-client", false, false, now + 4 * 86400 + 3600, "front-proxy-ca", false, "AB", "CD"};
  HostCertRow fine{"apiserver", false, false, now + 300 * 86400, "ca", false, "01", "01"};
  HostCertRow missing{"super-admin.conf", false, true, 0, "", false, "", ""};
  HostCertRow ca{"ca", true, false, now + 3650 * 86400, "", false, "0F", "0F"};
  return {{"cp1", {soon, fine, missing, ca}}};
}

TEST(HostCerts, ExpiringWithinWarnDays) {
  std::time_t now = 1800000000;
  EXPECT_EQ(expiringWithin(reports(now), now, 30), (std::vector<std::string>{"cp1/front-proxy-client (4d)"}));
  EXPECT_TRUE(expiringWithin(reports(now), now, 4).empty());
  EXPECT_EQ(expiringWithin(reports(now), now, 301).size(), 2u);
}

TEST(HostCerts, Textfile) {
  std::time_t now = 1800000000;
  std::string m = certMetrics("prod", reports(now), now);
  EXPECT_NE(m.find("kforge_certificate_expiry_days{cluster=\"prod\",host=\"cp1\",certificate=\"front-proxy-client\","
                   "kind=\"certificate\"} 4.042\n"),
            std::string::npos) << m;
  EXPECT_NE(m.find("kforge_certificate_differs_from_state_dir{cluster=\"prod\",host=\"cp1\",certificate=\"front-proxy-client\","
                   "kind=\"certificate\"} 1\n"),
            std::string::npos) << m;
  EXPECT_NE(m.find("kforge_certificate_differs_from_state_dir{cluster=\"prod\",host=\"cp1\",certificate=\"apiserver\","
                   "kind=\"certificate\"} 0\n"),
            std::string::npos) << m;
  EXPECT_NE(m.find("certificate=\"ca\",kind=\"ca\"} 3650.000\n"), std::string::npos) << m;
  EXPECT_EQ(m.find("super-admin.conf"), std::string::npos) << m;  // missing: no sample
  EXPECT_NE(m.find("kforge_certificate_check_timestamp_seconds{cluster=\"prod\"} 1800000000\n"), std::string::npos) << m;
}

}  // namespace
}  // namespace kforge
