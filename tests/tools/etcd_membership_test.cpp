// Safe membership changes with the gRPC client against real etcd processes: learner add -> start with
// initial-cluster-state=existing -> promote -> remove, as kforge's join and reset phases do.
#include <gtest/gtest.h>

#include <thread>

#include "etcdctl/client.hpp"
#include "tests/tools/etcd_process.hpp"
#include "tests/tools/tool_util.hpp"

using namespace kforge::testing;
using kforge::etcd::Client;

TEST(EtcdMembership, LearnerJoinPromoteAndRemove) {
  std::string dir = makeTempDir("kforge-etcd-members");
  const std::string a1 = uniqueLoopback(1), a2 = uniqueLoopback(2);
  EtcdProcess e1("m1", a1, dir + "/m1");
  ASSERT_TRUE(e1.waitReady()) << run("cat " + e1.logFile()).out;
  Client c({a1 + ":2379"}, {});
  c.put("/before-join", "v");

  auto learner = c.memberAdd({"http://" + a2 + ":2380"}, /*learner=*/true);
  EXPECT_NE(learner.id, 0u);
  EXPECT_TRUE(learner.isLearner);
  auto members = c.memberList();
  ASSERT_EQ(members.size(), 2u);
  // An added member that has not started has no name yet.
  for (const auto& m : members)
    if (m.id == learner.id) {
      EXPECT_FALSE(m.started());
    }

  EtcdProcess e2("m2", a2, dir + "/m2",
                 {"--initial-cluster=m1=http://" + a1 + ":2380,m2=http://" + a2 + ":2380",
                  "--initial-cluster-state=existing"});
  ASSERT_TRUE(e2.waitReady()) << run("cat " + e2.logFile()).out;

  // Promote: the client retries while the learner catches up ("can only promote a learner member which is in sync").
  bool promoted = false;
  std::string lastError;
  try {
    c.memberPromote(learner.id);
    promoted = true;
  } catch (const kforge::Error& e) {
    lastError = e.what();
  }
  ASSERT_TRUE(promoted) << lastError;
  auto out = run("ETCDCTL_API=3 etcdctl --endpoints=http://" + a1 + ":2379 member list -w simple");
  ASSERT_EQ(out.exitCode, 0) << out.out;
  EXPECT_NE(out.out.find("m2"), std::string::npos);
  EXPECT_EQ(out.out.find("true"), std::string::npos) << "no learner may remain: " << out.out;

  // The new member serves the data written before it joined.
  Client c2({a2 + ":2379"}, {});
  EXPECT_EQ(c2.range("/before-join").kvs.at(0).value, "v");

  // Move leadership to m2, then remove m2: etcd answers "unhealthy cluster" right after a leader change,
  // which the client retries until the new leader has been connected long enough.
  auto st2 = c2.status(a2 + ":2379");
  if (!st2.isLeader()) {
    Client both({a1 + ":2379", a2 + ":2379"}, {});
    both.moveLeader(learner.id);
    EXPECT_TRUE(c2.status(a2 + ":2379").isLeader());
  }
  c.memberRemove(learner.id);
  e2.stop();
  EXPECT_EQ(c.memberList().size(), 1u);
  // m1 elects itself leader again after m2 (the leader) left; wait for that before the next change.
  bool healthy = false;
  for (int i = 0; i < 50 && !healthy; ++i) {
    healthy = c.health(a1 + ":2379").empty();
    if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(healthy);
  // Removing an unknown id is etcd's NotFound, reported with the call's name.
  try {
    c.memberRemove(learner.id);
    FAIL() << "removing twice must fail";
  } catch (const kforge::Error& e) {
    EXPECT_NE(std::string(e.what()).find("member remove"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("member not found"), std::string::npos) << e.what();
  }
  run("rm -rf " + shq(dir));
}
