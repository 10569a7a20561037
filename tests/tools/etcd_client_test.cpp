// The etcd gRPC client against a real etcd (plaintext here; mutual TLS is covered with kforge's own PKI in
// etcd_tls_test.cpp), checked where possible with the real etcdctl.
#include <gtest/gtest.h>

#include <fstream>

#include "etcdctl/client.hpp"
#include "tests/tools/etcd_process.hpp"
#include "tests/tools/tool_util.hpp"

using namespace kforge::testing;
using kforge::etcd::Client;

namespace {

class EtcdClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(makeTempDir("kforge-etcd-client"));
    etcd_ = new EtcdProcess("e1", uniqueLoopback(1), *dir_ + "/e1");
    ASSERT_TRUE(etcd_->waitReady()) << run("cat " + etcd_->logFile()).out;
  }
  static void TearDownTestSuite() {
    delete etcd_;
    run("rm -rf " + shq(*dir_));
    delete dir_;
  }
  static std::string* dir_;
  static EtcdProcess* etcd_;
};
std::string* EtcdClientTest::dir_ = nullptr;
EtcdProcess* EtcdClientTest::etcd_ = nullptr;

TEST_F(EtcdClientTest, PutRangeDeleteAgreeWithEtcdctl) {
  Client c({etcd_->endpoint()}, {});
  int64_t rev = c.put("/kforge/a", "1");
  EXPECT_GT(rev, 0);
  c.put("/kforge/b", std::string("bin\0ary", 7));
  auto r = c.range("/kforge/", "/kforge0");
  ASSERT_EQ(r.kvs.size(), 2u);
  EXPECT_EQ(r.kvs[0].key, "/kforge/a");
  EXPECT_EQ(r.kvs[1].value, std::string("bin\0ary", 7));
  auto out = run("ETCDCTL_API=3 etcdctl --endpoints=" + etcd_->clientURL() + " get /kforge/a --print-value-only");
  EXPECT_EQ(out.exitCode, 0);
  EXPECT_EQ(out.out, "1\n");
  EXPECT_EQ(c.deleteRange("/kforge/", "/kforge0"), 2);
  EXPECT_EQ(c.range("/kforge/", "/kforge0", 0, true).count, 0);
}

TEST_F(EtcdClientTest, MemberListAndStatusKeepExactIds) {
  Client c({etcd_->endpoint()}, {});
  auto members = c.memberList();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].name, "e1");
  EXPECT_TRUE(members[0].started());
  auto out = run("ETCDCTL_API=3 etcdctl --endpoints=" + etcd_->clientURL() + " member list");
  ASSERT_EQ(out.exitCode, 0) << out.out;
  // etcdctl prints the id in hex first on the line: ours must match to the last bit.
  EXPECT_EQ(out.out.substr(0, out.out.find(',')), kforge::etcd::memberIdHex(members[0].id));
  auto st = c.status(etcd_->endpoint());
  EXPECT_EQ(st.memberId, members[0].id);
  EXPECT_TRUE(st.isLeader());
  EXPECT_EQ(st.version, "3.4.23");
  EXPECT_GT(st.dbSize, 0);
  EXPECT_EQ(c.health(etcd_->endpoint()), "");
  EXPECT_TRUE(c.alarms().empty());
}

TEST_F(EtcdClientTest, SnapshotStreamIsAcceptedByEtcdctl) {
  Client c({etcd_->endpoint()}, {});
  for (int i = 0; i < 500; ++i) c.put("/snap/k" + std::to_string(i), std::string(200, 'x'));
  std::string path = *dir_ + "/snap.db";
  std::ofstream f(path, std::ios::binary);
  auto res = c.snapshot(etcd_->endpoint(), [&](const char* p, size_t n) { f.write(p, n); });
  f.close();
  EXPECT_GT(res.bytes, 0u);
  EXPECT_EQ(res.sha256Hex.size(), 64u);
  // The file is the database followed by its 32-byte SHA-256, exactly as etcdctl snapshot save writes it.
  auto size = run("stat -c %s " + shq(path));
  EXPECT_EQ(std::stoull(size.out), res.bytes + 32);
  EXPECT_EQ(std::stoull(size.out) % 512, 32u);
  auto sum = run("head -c " + std::to_string(res.bytes) + " " + shq(path) + " | sha256sum");
  EXPECT_EQ(sum.out.substr(0, 64), res.sha256Hex);
  auto st = run("ETCDCTL_API=3 etcdctl snapshot status -w json " + shq(path));
  ASSERT_EQ(st.exitCode, 0) << st.out;
  EXPECT_NE(st.out.find("\"totalKey\""), std::string::npos);
  // And etcdctl restores it, verifying the trailing hash.
  auto rs = run("cd " + shq(*dir_) + " && ETCDCTL_API=3 etcdctl snapshot restore " + shq(path) +
                " --data-dir " + shq(*dir_ + "/restored"));
  EXPECT_EQ(rs.exitCode, 0) << rs.out;
}

TEST(EtcdClientErrors, UnreachableEndpointNamesItAndFailsOver) {
  Client c({uniqueLoopback(99) + ":2379"}, {}, std::chrono::milliseconds(500));
  try {
    c.memberList();
    FAIL() << "expected an error";
  } catch (const kforge::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(uniqueLoopback(99) + ":2379"), std::string::npos) << msg;
    EXPECT_NE(msg.find("member list"), std::string::npos) << msg;
  }
}

}  // namespace
