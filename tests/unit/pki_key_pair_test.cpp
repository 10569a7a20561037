// A key and its certificate change together (pki/key_pair_files.hpp): a crash at any point of `certs renew`
// leaves either the old pair or the new one, never the new key with the old certificate.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/key.hpp"
#include "pki/key_pair_files.hpp"
#include "pki/node_layout.hpp"
#include "pki/renew.hpp"
#include "pki/store.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using namespace kforge::pki;
namespace fs = std::filesystem;

namespace {

constexpr std::time_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

bool pairMatches(const std::string& key, const std::string& crt) {
  Pkey k = parsePrivateKeyPem(readFile(key), key);
  Cert c = parseCertPem(readFile(crt), crt);
  return samePublicKey(X509_get0_pubkey(c.get()), k.get());
}

class PkiKeyPair : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = kforge::testing::freshDir("kforge-pair");
    state = dir + "/state";
    ensurePki(c, state, kNow);
    // A genuine new apiserver pair of cp1, signed by the same CA: what an interrupted renew was writing.
    fs::copy(state, dir + "/renewed", fs::copy_options::recursive);
    renewCerts(NodeLayout::stateHost(dir + "/renewed", "cp1"), "apiserver", kNow + 60);
    key = state + "/hosts/cp1/pki/apiserver.key";
    crt = state + "/hosts/cp1/pki/apiserver.crt";
    oldKey = readFile(key);
    oldCrt = readFile(crt);
    newKey = readFile(dir + "/renewed/hosts/cp1/pki/apiserver.key");
    newCrt = readFile(dir + "/renewed/hosts/cp1/pki/apiserver.crt");
    ASSERT_NE(oldKey, newKey);
  }
  void TearDown() override { fs::remove_all(dir); }
  kforge::Cluster c = kforge::testing::stackedCluster();
  std::string dir, state, key, crt, oldKey, oldCrt, newKey, newCrt;
};

}  // namespace

TEST_F(PkiKeyPair, WriteReplacesBothAndLeavesNothingBehind) {
  writeKeyPair(key, newKey, crt, newCrt);
  EXPECT_EQ(readFile(key), newKey);
  EXPECT_EQ(readFile(crt), newCrt);
  EXPECT_FALSE(fileExists(key + ".next"));
  EXPECT_FALSE(fileExists(crt + ".next"));
  EXPECT_EQ(std::distance(fs::directory_iterator(state + "/hosts/cp1/pki"), fs::directory_iterator()),
            std::distance(fs::directory_iterator(dir + "/renewed/hosts/cp1/pki"), fs::directory_iterator()));
}

// Crash after the commit mark, between the two renames: new key, old certificate, <crt>.next pending.
TEST_F(PkiKeyPair, CommittedChangeIsFinishedByEveryReader) {
  auto crashState = [&] {
    writeFileAtomic(key, newKey, 0600);
    writeFileAtomic(crt, oldCrt, 0644);
    writeFileAtomic(crt + ".next", newCrt, 0644);
    ASSERT_FALSE(pairMatches(key, crt));
  };
  // ensurePki (render/apply) completes it and keeps the pair: no needless re-issue, no mismatched pair.
  crashState();
  Report r = ensurePki(c, state, kNow + 120);
  EXPECT_TRUE(r.reissued.empty()) << r.reissued.front().file << ": " << r.reissued.front().reason;
  EXPECT_EQ(readFile(key), newKey);
  EXPECT_EQ(readFile(crt), newCrt);
  EXPECT_FALSE(fileExists(crt + ".next"));
  // hostPkiFiles (what apply ships) never ships the half-done pair.
  crashState();
  FileSet files = hostPkiFiles(c, *c.findHost("cp1"), state);
  int shipped = 0;
  for (const auto& f : files) {
    if (f.path == "/etc/kubernetes/pki/apiserver.key") {
      EXPECT_EQ(f.content, newKey);
      ++shipped;
    }
    if (f.path == "/etc/kubernetes/pki/apiserver.crt") {
      EXPECT_EQ(f.content, newCrt);
      ++shipped;
    }
  }
  EXPECT_EQ(shipped, 2);
  // certs renew finishes it before its own work, and says so.
  crashState();
  auto o = renewCerts(NodeLayout::stateHost(state, "cp1"), "all", kNow + 180);
  EXPECT_TRUE(pairMatches(key, crt));
  EXPECT_FALSE(fileExists(crt + ".next"));
  EXPECT_NE(std::find(o.messages.begin(), o.messages.end(),
                      "completed the interrupted replacement of " + crt + " and its key"),
            o.messages.end());
}

TEST_F(PkiKeyPair, CommittedWithBothNextFilesIsFinished) {
  writeFileAtomic(key + ".next", newKey, 0600);
  writeFileAtomic(crt + ".next", newCrt, 0644);
  EXPECT_NE(recoverKeyPair(key, crt).find("completed"), std::string::npos);
  EXPECT_EQ(readFile(key), newKey);
  EXPECT_EQ(readFile(crt), newCrt);
  EXPECT_EQ(recoverKeyPair(key, crt), "");
}

// Crash before the commit mark: only <key>.next exists; the old pair stands.
TEST_F(PkiKeyPair, UncommittedChangeIsDiscarded) {
  writeFileAtomic(key + ".next", newKey, 0600);
  EXPECT_NE(recoverKeyPair(key, crt).find("discarded"), std::string::npos);
  EXPECT_FALSE(fileExists(key + ".next"));
  EXPECT_EQ(readFile(key), oldKey);
  EXPECT_EQ(readFile(crt), oldCrt);
  // And a later renewal is not confused by it.
  writeFileAtomic(key + ".next", newKey, 0600);
  renewCerts(NodeLayout::stateHost(state, "cp1"), "apiserver", kNow + 60);
  EXPECT_TRUE(pairMatches(key, crt));
  EXPECT_NE(readFile(key), newKey);
  EXPECT_FALSE(fileExists(key + ".next"));
}
