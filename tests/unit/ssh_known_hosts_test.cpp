#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "ssh/known_hosts.hpp"

using namespace kforge;
using namespace kforge::ssh;

namespace {
const char* kEd = "AAAAC3NzaC1lZDI1NTE5AAAAIMifnAjAQcQvA1JKRBE6wcJMfwuAX2dNv2GBL9HbLCVT";
const char* kEc =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBG+urZOMrh6EBn4WBvzSSvFOdhB9racH8ip615pq3OeTHvZzBIMZ15s8VfzL4GrK6zbTHy47J8R/"
    "jbhHrd8Qra8=";
// A different ed25519 key (the "changed" one).
const char* kEd2 = "AAAAC3NzaC1lZDI1NTE5AAAAIK8Bxo89z1unk2ITaf5hn5Xm7/DTscil1j1LBjq1XU+d";

HostKey key(const char* b64) {
  std::string blob;
  EXPECT_TRUE(base64Decode(b64, blob));
  return HostKey::fromBlob(blob);
}

struct TempFile {
  std::string dir, path;
  explicit TempFile(const std::string& content) {
    char tmpl[] = "/tmp/kforge-kh-XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir + "/known_hosts";
    if (!content.empty()) std::ofstream(path) << content;
  }
  ~TempFile() { std::system(("rm -rf '" + dir + "'").c_str()); }
};
}  // namespace

TEST(SshKnownHosts, PlainHashedAndPortedEntries) {
  TempFile f(std::string("# comment\n\n") +
             "10.0.0.5 ssh-ed25519 " + kEd + " root@a\n" +
             "|1|DMOO7uRCjEo9768amNV6UHCFY28=|YFNxstQQfBDVjjb/m4A1LqNrbI4= ecdsa-sha2-nistp256 " + kEc + "\n" +
             "cp1,10.0.0.7 ssh-ed25519 " + kEd + "\n");
  KnownHosts kh(f.path);
  EXPECT_TRUE(kh.warnings().empty());
  EXPECT_EQ(kh.size(), 3u);
  EXPECT_EQ(kh.check("10.0.0.5", 22, key(kEd)), HostKeyStatus::Match);
  EXPECT_EQ(kh.check("10.0.0.5", 22, key(kEd2)), HostKeyStatus::Mismatch);
  // Another key type for a known host: the host is known, and not by this key.
  EXPECT_EQ(kh.check("10.0.0.5", 22, key(kEc)), HostKeyStatus::KnownWithOtherType);
  // Hashed "[10.0.0.6]:2222": found only on port 2222.
  EXPECT_EQ(kh.check("10.0.0.6", 2222, key(kEc)), HostKeyStatus::Match);
  EXPECT_EQ(kh.check("10.0.0.6", 22, key(kEc)), HostKeyStatus::NotFound);
  // Plain entry on port 22 does not vouch for port 2222 (OpenSSH semantics).
  EXPECT_EQ(kh.check("10.0.0.5", 2222, key(kEd2)), HostKeyStatus::NotFound);
  // Comma lists.
  EXPECT_EQ(kh.check("10.0.0.7", 22, key(kEd)), HostKeyStatus::Match);
  EXPECT_EQ(kh.check("cp1", 22, key(kEd)), HostKeyStatus::Match);
  EXPECT_EQ(kh.check("10.0.0.8", 22, key(kEd)), HostKeyStatus::NotFound);

  EXPECT_EQ(kh.keyTypesFor("10.0.0.5", 22), std::vector<std::string>{"ssh-ed25519"});
  EXPECT_EQ(kh.keyTypesFor("10.0.0.6", 2222), std::vector<std::string>{"ecdsa-sha2-nistp256"});
  EXPECT_TRUE(kh.keyTypesFor("10.0.0.6", 22).empty());
}

TEST(SshKnownHosts, UnsupportedLinesAreSkippedWithWarnings) {
  TempFile f(std::string("@cert-authority *.example.com ssh-ed25519 ") + kEd + "\n" +
             "10.0.0.9 sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAI\n" +
             "10.0.0.5 ssh-ed25519 " + kEd + "\n");
  KnownHosts kh(f.path);
  EXPECT_EQ(kh.size(), 1u);
  ASSERT_EQ(kh.warnings().size(), 2u);
  EXPECT_NE(kh.warnings()[0].find(":1: @cert-authority is not supported"), std::string::npos) << kh.warnings()[0];
  EXPECT_NE(kh.warnings()[1].find(":2: key type 'sk-ssh-ed25519@openssh.com'"), std::string::npos);
  EXPECT_EQ(kh.check("10.0.0.5", 22, key(kEd)), HostKeyStatus::Match);
}

TEST(SshKnownHosts, MissingFileIsEmpty) {
  KnownHosts kh("/nonexistent/kforge/known_hosts");
  EXPECT_EQ(kh.size(), 0u);
  EXPECT_EQ(kh.check("10.0.0.5", 22, key(kEd)), HostKeyStatus::NotFound);
}

TEST(SshKnownHosts, StrictRefusesUnknownWithFingerprintAndLine) {
  TempFile f("");
  KnownHosts kh(f.path);
  try {
    verifyHostKey(kh, HostKeyPolicy::Strict, "cp1", "10.0.0.5", 22, key(kEd));
    FAIL() << "accepted an unknown key";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(e.code(), ExitCode::Unreachable);
    EXPECT_NE(m.find("cp1 (10.0.0.5)"), std::string::npos) << m;
    EXPECT_NE(m.find("not known"), std::string::npos) << m;
    EXPECT_NE(m.find("SHA256:6SUIHtrSW5lCZ7LCqeEoxsCxa+qd31S/diXgCNzm0oQ"), std::string::npos) << m;
    EXPECT_NE(m.find(std::string("10.0.0.5 ssh-ed25519 ") + kEd), std::string::npos) << m;
    EXPECT_NE(m.find("accept-new"), std::string::npos) << m;
  }
  EXPECT_FALSE(fileExists(f.path));  // strict never writes
}

TEST(SshKnownHosts, ChangedKeyIsRefusedUnderBothPolicies) {
  TempFile f(std::string("[10.0.0.5]:2222 ssh-ed25519 ") + kEd + "\n");
  for (auto policy : {HostKeyPolicy::Strict, HostKeyPolicy::AcceptNew}) {
    KnownHosts kh(f.path);
    try {
      verifyHostKey(kh, policy, "cp1", "10.0.0.5", 2222, key(kEd2));
      FAIL() << "accepted a changed key";
    } catch (const Error& e) {
      std::string m = e.what();
      EXPECT_EQ(e.code(), ExitCode::Unreachable);
      EXPECT_NE(m.find("HOST KEY CHANGED"), std::string::npos) << m;
      EXPECT_NE(m.find("cp1 ([10.0.0.5]:2222)"), std::string::npos) << m;
      EXPECT_NE(m.find(key(kEd2).fingerprint()), std::string::npos) << m;
      EXPECT_NE(m.find("ssh-keygen -R [10.0.0.5]:2222"), std::string::npos) << m;
    }
  }
  EXPECT_EQ(readFile(f.path), std::string("[10.0.0.5]:2222 ssh-ed25519 ") + kEd + "\n");
}

TEST(SshKnownHosts, AcceptNewAppendsAndThenMatches) {
  TempFile f(std::string("10.0.0.5 ssh-ed25519 ") + kEd);  // no final newline
  {
    KnownHosts kh(f.path);
    verifyHostKey(kh, HostKeyPolicy::AcceptNew, "cp2", "10.0.0.6", 22, key(kEd2));
    EXPECT_EQ(kh.check("10.0.0.6", 22, key(kEd2)), HostKeyStatus::Match);
    verifyHostKey(kh, HostKeyPolicy::AcceptNew, "cp3", "10.0.0.7", 2200, key(kEc));
  }
  EXPECT_EQ(readFile(f.path), std::string("10.0.0.5 ssh-ed25519 ") + kEd + "\n10.0.0.6 ssh-ed25519 " + kEd2 +
                                  "\n[10.0.0.7]:2200 ecdsa-sha2-nistp256 " + kEc + "\n");
  KnownHosts again(f.path);
  EXPECT_EQ(again.check("10.0.0.6", 22, key(kEd2)), HostKeyStatus::Match);
  EXPECT_EQ(again.check("10.0.0.7", 2200, key(kEc)), HostKeyStatus::Match);
  verifyHostKey(again, HostKeyPolicy::Strict, "cp2", "10.0.0.6", 22, key(kEd2));
}

TEST(SshKnownHosts, AcceptNewCreatesFileAndDirectory) {
  TempFile f("");
  std::string path = f.dir + "/sub/known_hosts";
  KnownHosts kh(path);
  verifyHostKey(kh, HostKeyPolicy::AcceptNew, "w1", "10.0.0.9", 22, key(kEd));
  EXPECT_EQ(readFile(path), std::string("10.0.0.9 ssh-ed25519 ") + kEd + "\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// accept-new recorded an ecdsa key for a host known by its ed25519 key: whoever can answer for the address with a
// key type of their choosing got in. A host known under another key type is a changed key, under both policies.
TEST(SshKnownHosts, HostKnownUnderAnotherKeyTypeIsRefusedUnderBothPolicies) {
  std::string content = std::string("# keys\ncp2 ssh-ed25519 ") + kEd2 + "\n10.0.0.5 ssh-ed25519 " + kEd + "\n";
  TempFile f(content);
  for (auto policy : {HostKeyPolicy::AcceptNew, HostKeyPolicy::Strict}) {
    KnownHosts kh(f.path);
    try {
      verifyHostKey(kh, policy, "cp1", "10.0.0.5", 22, key(kEc));
      FAIL() << "accepted a host known under another key type";
    } catch (const Error& e) {
      std::string m = e.what();
      EXPECT_EQ(e.code(), ExitCode::Unreachable);
      EXPECT_EQ(m.rfind("cp1 (10.0.0.5): HOST KEY CHANGED", 0), 0u) << m;
      EXPECT_NE(m.find("known by its ssh-ed25519 (" + f.path + " line 3) key"), std::string::npos) << m;
      EXPECT_NE(m.find("presents a ecdsa-sha2-nistp256 key (" + key(kEc).fingerprint() + ")"), std::string::npos) << m;
      EXPECT_NE(m.find("ssh-keygen -R 10.0.0.5"), std::string::npos) << m;
    }
  }
  EXPECT_EQ(readFile(f.path), content);  // nothing recorded
}

// "@revoked" lines were skipped: a revoked key still connected.
TEST(SshKnownHosts, RevokedKeyNeverConnects) {
  TempFile f(std::string("10.0.0.5 ssh-ed25519 ") + kEd2 + "\n" +  // known, and also revoked below
             "@revoked 10.0.0.* ssh-ed25519 " + kEd2 + "\n" +
             "@revoked [10.0.0.7]:2222,!10.9.9.9 ecdsa-sha2-nistp256 " + kEc + "\n");
  KnownHosts kh(f.path);
  EXPECT_TRUE(kh.warnings().empty()) << kh.warnings().front();
  EXPECT_EQ(kh.check("10.0.0.5", 22, key(kEd2)), HostKeyStatus::Revoked);
  EXPECT_EQ(kh.check("10.0.0.9", 22, key(kEd2)), HostKeyStatus::Revoked);
  EXPECT_EQ(kh.check("10.0.1.9", 22, key(kEd2)), HostKeyStatus::NotFound);  // the pattern does not cover it
  EXPECT_EQ(kh.check("10.0.0.7", 2222, key(kEc)), HostKeyStatus::Revoked);  // "[host]:port" is literal
  EXPECT_EQ(kh.check("10.0.0.7", 22, key(kEc)), HostKeyStatus::NotFound);
  EXPECT_EQ(kh.check("10.0.0.5", 22, key(kEd)), HostKeyStatus::Mismatch);    // revoked lines list no known key
  for (auto policy : {HostKeyPolicy::Strict, HostKeyPolicy::AcceptNew}) {
    for (const char* host : {"10.0.0.5", "10.0.0.9"}) {
      try {
        verifyHostKey(kh, policy, "cp1", host, 22, key(kEd2));
        FAIL() << "a revoked key connected to " << host;
      } catch (const Error& e) {
        std::string m = e.what();
        EXPECT_NE(m.find("is REVOKED in " + f.path + " line 2"), std::string::npos) << m;
        EXPECT_NE(m.find(key(kEd2).fingerprint()), std::string::npos) << m;
      }
    }
  }
  EXPECT_EQ(readFile(f.path).find("10.0.0.9 ssh-ed25519"), std::string::npos);  // accept-new recorded nothing
  // Hashed @revoked entries too.
  TempFile h(std::string("@revoked ") + hashKnownHostsName("10.0.0.5") + " ssh-ed25519 " + kEd + "\n");
  KnownHosts hk(h.path);
  EXPECT_EQ(hk.check("10.0.0.5", 22, key(kEd)), HostKeyStatus::Revoked);
  EXPECT_EQ(hk.check("10.0.0.6", 22, key(kEd)), HostKeyStatus::NotFound);
}

TEST(SshKnownHosts, CertAuthorityLinesNeverMakeAKeyKnown) {
  TempFile f(std::string("@cert-authority *.example.com,10.0.0.5 ssh-ed25519 ") + kEd + "\n");
  KnownHosts kh(f.path);
  EXPECT_EQ(kh.size(), 0u);
  EXPECT_EQ(kh.check("10.0.0.5", 22, key(kEd)), HostKeyStatus::NotFound);
  EXPECT_TRUE(kh.keyTypesFor("a.example.com", 22).empty());
  EXPECT_THROW(verifyHostKey(kh, HostKeyPolicy::Strict, "cp1", "10.0.0.5", 22, key(kEd)), Error);
}

// The warnings were collected and never shown.
TEST(SshKnownHosts, WarningsArePrinted) {
  TempFile f(std::string("@cert-authority * ssh-ed25519 ") + kEd + "\n10.0.0.6 ssh-ed25519 !!!notbase64\n" +
             "10.0.0.5 ssh-ed25519 " + kEd + "\n");
  KnownHosts kh(f.path);
  ::testing::internal::CaptureStderr();
  verifyHostKey(kh, HostKeyPolicy::Strict, "cp1", "10.0.0.5", 22, key(kEd));
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("warning: " + f.path + ":1: @cert-authority is not supported"), std::string::npos) << err;
  EXPECT_NE(err.find("warning: " + f.path + ":2: cannot parse line, ignored"), std::string::npos) << err;
}
