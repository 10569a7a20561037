#include <gtest/gtest.h>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "ssh/host_key.hpp"

using namespace kforge;
using namespace kforge::ssh;

namespace {
// Generated with ssh-keygen; fingerprints from `ssh-keygen -lf`.
const char* kEd25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIMifnAjAQcQvA1JKRBE6wcJMfwuAX2dNv2GBL9HbLCVT";
const char* kEd25519Fp = "SHA256:6SUIHtrSW5lCZ7LCqeEoxsCxa+qd31S/diXgCNzm0oQ";
const char* kEcdsa =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBG+urZOMrh6EBn4WBvzSSvFOdhB9racH8ip615pq3OeTHvZzBIMZ15s8VfzL4GrK6zbTHy47J8R/"
    "jbhHrd8Qra8=";
const char* kEcdsaFp = "SHA256:mMgqSOJ3MDQAnroJRq4W1mTG4iNyN9yKb/TNUGm8sqE";

HostKey key(const char* b64) {
  std::string blob;
  EXPECT_TRUE(base64Decode(b64, blob));
  return HostKey::fromBlob(blob);
}
}  // namespace

TEST(SshHostKey, FingerprintMatchesOpenSsh) {
  HostKey ed = key(kEd25519);
  EXPECT_EQ(ed.type, "ssh-ed25519");
  EXPECT_EQ(ed.fingerprint(), kEd25519Fp);
  HostKey ec = key(kEcdsa);
  EXPECT_EQ(ec.type, "ecdsa-sha2-nistp256");
  EXPECT_EQ(ec.fingerprint(), kEcdsaFp);
  EXPECT_EQ(ec.fingerprint().find('='), std::string::npos);
}

TEST(SshHostKey, PublicLineRoundTrips) {
  EXPECT_EQ(key(kEd25519).publicLine(), std::string("ssh-ed25519 ") + kEd25519);
  EXPECT_EQ(key(kEcdsa).publicLine(), std::string("ecdsa-sha2-nistp256 ") + kEcdsa);
}

TEST(SshHostKey, Base64) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  std::string out;
  EXPECT_TRUE(base64Decode("Zg==", out));
  EXPECT_EQ(out, "f");
  EXPECT_TRUE(base64Decode("Zm8=", out));
  EXPECT_EQ(out, "fo");
  EXPECT_FALSE(base64Decode("Zm8", out));
  EXPECT_FALSE(base64Decode("Zm!=", out));
}

TEST(SshHostKey, MalformedBlobIsAnError) {
  EXPECT_THROW(HostKey::fromBlob(""), kforge::Error);
  EXPECT_THROW(HostKey::fromBlob(std::string("\0\0\0\x50ssh", 7)), kforge::Error);
}

TEST(SshHostKey, KnownHostsNames) {
  EXPECT_EQ(knownHostsName("10.0.0.5", 22), "10.0.0.5");
  EXPECT_EQ(knownHostsName("10.0.0.6", 2222), "[10.0.0.6]:2222");
  EXPECT_EQ(knownHostsLine("10.0.0.5", 22, key(kEd25519)), std::string("10.0.0.5 ssh-ed25519 ") + kEd25519);
}

TEST(SshHostKey, HashedNamesMatchSshKeygenH) {
  // `ssh-keygen -H` of "10.0.0.5 ..." and "[10.0.0.6]:2222 ...".
  EXPECT_TRUE(hashedNameMatches("|1|CXrvxI2Nislx9CfHI9LYFnb0Dlo=|oe1K12J4upVFUJ68XZjQ2cQtL0s=", "10.0.0.5"));
  EXPECT_FALSE(hashedNameMatches("|1|CXrvxI2Nislx9CfHI9LYFnb0Dlo=|oe1K12J4upVFUJ68XZjQ2cQtL0s=", "10.0.0.6"));
  EXPECT_TRUE(hashedNameMatches("|1|DMOO7uRCjEo9768amNV6UHCFY28=|YFNxstQQfBDVjjb/m4A1LqNrbI4=", "[10.0.0.6]:2222"));
  EXPECT_FALSE(hashedNameMatches("|1|DMOO7uRCjEo9768amNV6UHCFY28=|YFNxstQQfBDVjjb/m4A1LqNrbI4=", "10.0.0.6"));
  EXPECT_FALSE(hashedNameMatches("10.0.0.5", "10.0.0.5"));
  // Our own hashing reproduces ssh-keygen's for the same salt.
  std::string salt;
  ASSERT_TRUE(base64Decode("CXrvxI2Nislx9CfHI9LYFnb0Dlo=", salt));
  EXPECT_EQ(hashKnownHostsName("10.0.0.5", salt), "|1|CXrvxI2Nislx9CfHI9LYFnb0Dlo=|oe1K12J4upVFUJ68XZjQ2cQtL0s=");
  std::string random = hashKnownHostsName("cp1");
  EXPECT_TRUE(hashedNameMatches(random, "cp1"));
}
