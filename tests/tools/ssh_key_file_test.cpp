// SSH private key files as ssh-keygen writes them: encrypted or not, OpenSSH and PEM formats.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "ssh/private_key_file.hpp"
#include "tests/tools/tool_util.hpp"

using namespace kforge::testing;

TEST(SshKeyFile, EncryptionIsDetectedInEveryFormat) {
  std::string d = makeTempDir("kforge-keyfile");
  auto gen = [&](const std::string& name, const std::string& args) {
    auto r = run("ssh-keygen -q " + args + " -f " + shq(d + "/" + name));
    ASSERT_EQ(r.exitCode, 0) << r.out;
  };
  gen("ed", "-t ed25519 -N ''");
  gen("ed-enc", "-t ed25519 -N 'pass phrase'");
  gen("ec-enc", "-t ecdsa -N 'pass phrase'");
  gen("rsa-pem", "-t rsa -b 2048 -m PEM -N ''");
  gen("rsa-pem-enc", "-t rsa -b 2048 -m PEM -N 'pass phrase'");
  gen("ec-pkcs8-enc", "-t ecdsa -m PKCS8 -N 'pass phrase'");
  EXPECT_FALSE(kforge::ssh::isEncryptedKeyFile(d + "/ed"));
  EXPECT_FALSE(kforge::ssh::isEncryptedKeyFile(d + "/rsa-pem"));
  for (const char* k : {"ed-enc", "ec-enc", "rsa-pem-enc", "ec-pkcs8-enc"})
    EXPECT_TRUE(kforge::ssh::isEncryptedKeyFile(d + "/" + k)) << k;
  auto pub = kforge::ssh::publicKeyBlobBeside(d + "/ed-enc");
  ASSERT_TRUE(pub.has_value());
  EXPECT_EQ(pub->substr(4, 11), "ssh-ed25519");
  EXPECT_FALSE(kforge::ssh::publicKeyBlobBeside(d + "/nothing").has_value());
  // ssh-keygen writes keys 0600: accepted; 0640 is not.
  EXPECT_NO_THROW(kforge::ssh::checkClientKeyFile("h", d + "/ed"));
  run("chmod 640 " + shq(d + "/ed"));
  EXPECT_THROW(kforge::ssh::checkClientKeyFile("h", d + "/ed"), kforge::Error);
  run("rm -rf " + shq(d));
}
