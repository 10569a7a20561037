// reset and restore check each host's etcd data dir (bootstrap/etcd_data_dir_guard.hpp) before any step that
// changes something: their plans start with a "check" step on every host they will touch.
#include <gtest/gtest.h>

#include <sstream>

#include "bootstrap/reset.hpp"
#include "bootstrap/restore.hpp"
#include "test_clusters.hpp"

using namespace kforge;

// The plans check every host before their first step that changes anything.
TEST(ResetRestoreCheck, PlansStartWithTheCheckOnEveryHost) {
  Cluster c = kforge::testing::stackedCluster();
  std::ostringstream sink;
  Progress progress(sink, false);
  Applier applier(c, ApplyOptions{}, progress);
  Observation obs;
  obs.unreachable["w1"] = "down";  // not cleaned, so not checked either
  Plan reset = planReset(c, applier, obs, {});
  ASSERT_GE(reset.steps.size(), 3u);
  std::vector<std::string> checked;
  size_t i = 0;
  for (; i < reset.steps.size() && reset.steps[i].phase == "check"; ++i) checked.push_back(reset.steps[i].host);
  EXPECT_EQ(checked, (std::vector<std::string>{"cp1", "cp2", "cp3"}));
  for (; i < reset.steps.size(); ++i) EXPECT_NE(reset.steps[i].phase, "check");

  Restorer restorer(c, applier, "/nonexistent", progress);
  Plan restore = restorer.planDataRestore(obs);
  ASSERT_GE(restore.steps.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(restore.steps[k].phase, "check");
    EXPECT_EQ(restore.steps[k].host, "cp" + std::to_string(k + 1));
  }
  EXPECT_EQ(restore.steps[3].phase, "stop");
}
