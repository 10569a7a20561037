// Bootstrap tokens and the discovery hash (kubeadm.md §8).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/cert_specs.hpp"
#include "pki/key.hpp"
#include "pki/token.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using namespace kforge::pki;

TEST(PkiToken, Format) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string t = generateBootstrapToken();
    ASSERT_TRUE(isBootstrapToken(t)) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_FALSE(isBootstrapToken("abcdef.0123456789abcdeF"));
  EXPECT_FALSE(isBootstrapToken("abcde.0123456789abcdef0"));
}

TEST(PkiToken, DiscoveryHashMatchesOpensslCli) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl CLI not installed";
  for (auto alg : {KeyAlgorithm::EcdsaP256, KeyAlgorithm::Rsa2048}) {
    Pkey key = generateKey(alg);
    Cert ca = issueCert(caSpec("ca"), key.get(), nullptr, nullptr, 1767225600, 3650);
    std::string dir = kforge::testing::freshDir("pki-hash");
    writeFileAtomic(dir + "/ca.crt", certPem(ca.get()), 0644);
    std::string cmd = "openssl x509 -pubkey -noout -in " + dir +
                      "/ca.crt | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[128] = {};
    ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
    pclose(p);
    std::string hex(buf);
    hex.erase(hex.find_last_not_of("\n ") + 1);
    EXPECT_EQ(discoveryHash(ca.get()), "sha256:" + hex);
    EXPECT_EQ(discoveryHashFromPem(certPem(ca.get())), "sha256:" + hex);
    std::filesystem::remove_all(dir);
  }
}
