// ensurePki idempotence and re-issue rules, external CA, and the per-host file sets.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "pki/cert.hpp"
#include "pki/store.hpp"
#include "tests/unit/test_clusters.hpp"

using namespace kforge;
using namespace kforge::pki;
namespace fs = std::filesystem;

namespace {

constexpr std::time_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = readFile(e.path().string());
  return out;
}

std::vector<std::string> reissuedFiles(const Report& r) {
  std::vector<std::string> out;
  for (const auto& c : r.reissued) out.push_back(c.file);
  return out;
}

mode_t modeOf(const std::string& p) {
  struct stat st;
  stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

class PkiStore : public ::testing::Test {
 protected:
  void SetUp() override { dir = kforge::testing::freshDir("pki-store"); }
  void TearDown() override { fs::remove_all(dir); }
  std::string dir;
};

}  // namespace

TEST_F(PkiStore, SecondRunChangesNoByte) {
  auto c = kforge::testing::stackedCluster();
  Report first = ensurePki(c, dir, kNow);
  EXPECT_TRUE(first.reissued.empty());
  EXPECT_TRUE(first.kept.empty());
  // 3 CAs x2 + sa x2 + 3 cps x (7 leaves + 4 kubeconfigs) + super-admin + worker kubelet.conf + admin.conf
  EXPECT_EQ(first.created.size(), 6u + 2 + 3 * 11 + 1 + 1 + 1);
  auto before = snapshot(dir);
  Report second = ensurePki(c, dir, kNow + 3600);
  EXPECT_TRUE(second.created.empty());
  EXPECT_TRUE(second.reissued.empty()) << second.reissued.front().file << ": " << second.reissued.front().reason;
  EXPECT_EQ(snapshot(dir), before);
}

TEST_F(PkiStore, ModesAndLayout) {
  auto c = kforge::testing::stackedCluster();
  ensurePki(c, dir, kNow);
  EXPECT_EQ(modeOf(dir + "/pki/ca.key"), 0600u);
  EXPECT_EQ(modeOf(dir + "/pki/ca.crt"), 0644u);
  EXPECT_EQ(modeOf(dir + "/pki/sa.key"), 0600u);
  EXPECT_EQ(modeOf(dir + "/pki"), 0700u);
  EXPECT_EQ(modeOf(dir + "/hosts/cp1/pki/etcd/server.key"), 0600u);
  EXPECT_EQ(modeOf(dir + "/hosts/cp1/pki/etcd/server.crt"), 0644u);
  EXPECT_EQ(modeOf(dir + "/hosts/cp1/admin.conf"), 0600u);
  EXPECT_EQ(modeOf(dir + "/admin.conf"), 0600u);
}

TEST_F(PkiStore, AddedSanReissuesOnlyApiservers) {
  auto c = kforge::testing::stackedCluster();
  ensurePki(c, dir, kNow);
  auto before = snapshot(dir);
  c.apiServer.certSANs.push_back("api.example.test");
  Report r = ensurePki(c, dir, kNow);
  EXPECT_TRUE(r.created.empty());
  EXPECT_EQ(reissuedFiles(r), (std::vector<std::string>{"hosts/cp1/pki/apiserver.crt", "hosts/cp2/pki/apiserver.crt",
                                                        "hosts/cp3/pki/apiserver.crt"}));
  EXPECT_NE(r.reissued[0].reason.find("DNS SANs"), std::string::npos) << r.reissued[0].reason;
  auto after = snapshot(dir);
  for (const auto& [file, bytes] : before) {
    bool apiserver = file.find("/apiserver.") != std::string::npos;
    EXPECT_EQ(after[file] == bytes, !apiserver) << file;
  }
}

TEST_F(PkiStore, ExpiringLeafIsReissued) {
  auto c = kforge::testing::stackedCluster();
  c.pki.certValidityDays = 40;
  ensurePki(c, dir, kNow);
  c.pki.certValidityDays = 365;
  // 11 days later, the 40-day leaves are within renewBeforeDays (30): all leaves re-issued, CAs and sa kept.
  Report r = ensurePki(c, dir, kNow + 11 * 86400);
  EXPECT_TRUE(r.created.empty());
  EXPECT_EQ(r.reissued.size(), 3u * 11 + 1 + 1 + 1);
  EXPECT_NE(r.reissued[0].reason.find("within renewBeforeDays (30)"), std::string::npos) << r.reissued[0].reason;
  EXPECT_NE(std::find(r.kept.begin(), r.kept.end(), "pki/ca.key"), r.kept.end());
  Report again = ensurePki(c, dir, kNow + 11 * 86400);
  EXPECT_TRUE(again.reissued.empty());
}

TEST_F(PkiStore, MissingLeafAndAlgorithmChange) {
  auto c = kforge::testing::stackedCluster();
  ensurePki(c, dir, kNow);
  fs::remove(dir + "/hosts/cp2/pki/etcd/peer.key");
  Report r = ensurePki(c, dir, kNow);
  EXPECT_EQ(r.created, std::vector<std::string>{"hosts/cp2/pki/etcd/peer.crt"});
  EXPECT_TRUE(r.reissued.empty());

  c.pki.keyAlgorithm = KeyAlgorithm::Rsa2048;
  c.nodePools.pop_back();  // fewer RSA keys: drop the worker
  auto caBefore = readFile(dir + "/pki/ca.crt");
  r = ensurePki(c, dir, kNow);
  ASSERT_FALSE(r.reissued.empty());
  EXPECT_NE(r.reissued[0].reason.find("key algorithm is ecdsa-p256, want rsa-2048"), std::string::npos);
  EXPECT_EQ(readFile(dir + "/pki/ca.crt"), caBefore);  // CAs are never replaced
}

TEST_F(PkiStore, NewCaReissuesItsLeaves) {
  auto c = kforge::testing::stackedCluster();
  ensurePki(c, dir, kNow);
  fs::remove(dir + "/pki/front-proxy-ca.crt");
  fs::remove(dir + "/pki/front-proxy-ca.key");
  Report r = ensurePki(c, dir, kNow);
  EXPECT_EQ(reissuedFiles(r), (std::vector<std::string>{"hosts/cp1/pki/front-proxy-client.crt",
                                                        "hosts/cp2/pki/front-proxy-client.crt",
                                                        "hosts/cp3/pki/front-proxy-client.crt"}));
}

TEST_F(PkiStore, ForeignLeafIsReissued) {
  auto c = kforge::testing::stackedCluster();
  ensurePki(c, dir, kNow);
  std::string other = kforge::testing::freshDir("pki-other");
  ensurePki(c, other, kNow);
  fs::copy_file(other + "/hosts/cp1/pki/apiserver.crt", dir + "/hosts/cp1/pki/apiserver.crt",
                fs::copy_options::overwrite_existing);
  fs::copy_file(other + "/hosts/cp1/pki/apiserver.key", dir + "/hosts/cp1/pki/apiserver.key",
                fs::copy_options::overwrite_existing);
  fs::remove_all(other);
  Report r = ensurePki(c, dir, kNow);
  ASSERT_EQ(r.reissued.size(), 1u);
  EXPECT_EQ(r.reissued[0].reason, "not signed by the current ca CA");
}

TEST_F(PkiStore, ExternalCaIsRespected) {
  auto c = kforge::testing::stackedCluster();
  ensurePki(c, dir, kNow);
  fs::remove(dir + "/pki/ca.key");
  auto before = snapshot(dir);
  Report r = ensurePki(c, dir, kNow);
  EXPECT_TRUE(r.created.empty());
  EXPECT_TRUE(r.reissued.empty());
  EXPECT_EQ(snapshot(dir), before);
  // The host file set ships no ca.key.
  FileSet files = hostPkiFiles(c, *c.controlPlaneHosts()[0], dir);
  for (const auto& f : files) EXPECT_NE(f.path, "/etc/kubernetes/pki/ca.key");

  fs::remove(dir + "/hosts/cp2/pki/apiserver.crt");
  try {
    ensurePki(c, dir, kNow);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("the ca CA is external"), std::string::npos) << msg;
    EXPECT_NE(msg.find("hosts/cp2/pki/apiserver.crt"), std::string::npos) << msg;
    EXPECT_NE(msg.find("pki/ca.key"), std::string::npos) << msg;
  }
  EXPECT_FALSE(fileExists(dir + "/pki/ca.key"));  // never generated
}

TEST_F(PkiStore, HostFileSets) {
  auto paths = [&](const Cluster& c, const std::string& host) {
    std::vector<std::string> out;
    for (const auto& f : hostPkiFiles(c, *c.findHost(host), dir)) out.push_back(f.path);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto p = [](std::vector<std::string> v) {
    for (auto& s : v) s = (s.find(".conf") != std::string::npos ? "/etc/kubernetes/" : "/etc/kubernetes/pki/") + s;
    std::sort(v.begin(), v.end());
    return v;
  };
  auto pair = [](std::vector<std::string> bases) {
    std::vector<std::string> out;
    for (auto& b : bases) {
      out.push_back(b + ".crt");
      out.push_back(b + ".key");
    }
    return out;
  };
  auto cat = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  auto stacked = kforge::testing::stackedCluster();
  ensurePki(stacked, dir, kNow);
  auto cpCommon = cat(pair({"ca", "apiserver", "apiserver-kubelet-client", "front-proxy-ca", "front-proxy-client",
                            "apiserver-etcd-client"}),
                      {"sa.key", "sa.pub", "etcd/ca.crt"});
  auto stackedEtcd = cat(pair({"etcd/server", "etcd/peer", "etcd/healthcheck-client"}), {"etcd/ca.key"});
  auto confs = std::vector<std::string>{"admin.conf", "kubelet.conf", "controller-manager.conf", "scheduler.conf"};
  EXPECT_EQ(paths(stacked, "cp1"), p(cat(cat(cat(cpCommon, stackedEtcd), confs), {"super-admin.conf"})));
  EXPECT_EQ(paths(stacked, "cp2"), p(cat(cat(cpCommon, stackedEtcd), confs)));
  EXPECT_EQ(paths(stacked, "w1"), p({"ca.crt", "kubelet.conf"}));

  fs::remove_all(dir);
  fs::create_directories(dir);
  auto ext = kforge::testing::externalCluster();
  ensurePki(ext, dir, kNow);
  EXPECT_EQ(paths(ext, "cp1"), p(cat(cat(cpCommon, confs), {"super-admin.conf"})));
  EXPECT_EQ(paths(ext, "cp2"), p(cat(cpCommon, confs)));
  EXPECT_EQ(paths(ext, "etcd2"), p(cat(pair({"etcd/server", "etcd/peer", "etcd/healthcheck-client"}), {"etcd/ca.crt"})));
  EXPECT_EQ(paths(ext, "w1"), p({"ca.crt", "kubelet.conf"}));

  for (const auto& f : hostPkiFiles(ext, *ext.findHost("cp1"), dir)) {
    bool secret = f.path.ends_with(".key") || f.path.ends_with(".conf") || f.path.ends_with(".pub");
    EXPECT_EQ(f.mode, secret ? 0600u : 0644u) << f.path;
    EXPECT_FALSE(f.content.empty());
  }
  // etcd server cert on an external etcd host names that host.
  auto files = hostPkiFiles(ext, *ext.findHost("etcd2"), dir);
  auto it = std::find_if(files.begin(), files.end(), [](auto& f) { return f.path == "/etc/kubernetes/pki/etcd/server.crt"; });
  ASSERT_NE(it, files.end());
  auto info = inspectCert(parseCertPem(it->content, "server").get());
  EXPECT_EQ(info.commonName, "etcd2");
  EXPECT_EQ(info.ips[0], "127.0.2.32");
}
