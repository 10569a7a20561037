#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/plan.hpp"

using namespace kforge;

TEST(Plan, PrintsGroupedStepsAndMarksRiskyOnes) {
  Plan p;
  p.steps.push_back({"etcd", "cp1", "start etcd member cp1", false, nullptr});
  p.steps.push_back({"etcd", "cp2", "add etcd member cp2 as learner", true, nullptr});
  p.steps.push_back({"control-plane", "cp1", "write 3 manifests", false, nullptr});
  std::ostringstream out;
  p.print(out, false);
  EXPECT_EQ(out.str(),
            "Plan: 3 steps\n"
            "  [etcd]\n"
            "    1. cp1: start etcd member cp1\n"
            "    2. cp2: add etcd member cp2 as learner  (etcd backup first)\n"
            "  [control-plane]\n"
            "    3. cp1: write 3 manifests\n");
  std::ostringstream js;
  p.print(js, true);
  auto j = nlohmann::json::parse(js.str());
  ASSERT_EQ(j["steps"].size(), 3u);
  EXPECT_EQ(j["steps"][1]["risky"], true);
}

TEST(Plan, EmptyPlanSaysNothingToDo) {
  std::ostringstream out;
  Plan{}.print(out, false);
  EXPECT_EQ(out.str(), "Plan: nothing to do, the cluster matches the inventory.\n");
}

TEST(Plan, RunStopsAtFirstFailureAndReportsIt) {
  int ran = 0;
  Plan p;
  p.steps.push_back({"a", "h1", "first", false, [&] { ++ran; return std::string("done"); }});
  p.steps.push_back({"b", "h2", "second", false, [&]() -> std::string { throw Error("boom"); }});
  p.steps.push_back({"c", "h3", "third", false, [&] { ++ran; return std::string(); }});
  std::ostringstream out;
  Progress progress(out, true);
  EXPECT_THROW(runPlan(p, progress), Error);
  EXPECT_EQ(ran, 1);
  std::istringstream lines(out.str());
  std::string line;
  std::vector<nlohmann::json> events;
  while (std::getline(lines, line)) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1]["status"], "ok");
  EXPECT_EQ(events[1]["detail"], "done");
  EXPECT_EQ(events[3]["status"], "failed");
  EXPECT_EQ(events[3]["host"], "h2");
  EXPECT_EQ(events[3]["detail"], "boom");
}

TEST(Progress, TextLineHasElapsedHostStepStatus) {
  std::ostringstream out;
  Progress progress(out, false);
  progress.report("cp1", "upload-pki", StepStatus::Ok, "14 files");
  progress.report("", "addons", StepStatus::Failed, "boom");
  // "[  0.0s] cp1           upload-pki          ok (14 files)": columns padded to 12 and 18.
  EXPECT_EQ(out.str(),
            "[  0.0s] cp1           upload-pki          ok (14 files)\n"
            "[  0.0s] *             addons              failed: boom\n");
}

TEST(Plan, ParallelStepsOfOnePhaseRunTogetherAndFailuresSurface) {
  // Together, shown by events: each step of the parallel phase waits until all three have started. Run one at
  // a time, the first would wait alone until the hang bound (60 s) and report it; no sleep has to overlap.
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  std::atomic<int> running{0}, peak{0};
  auto body = [&]() -> std::string {
    int now = ++running;
    for (int p = peak.load(); now > p && !peak.compare_exchange_weak(p, now);) {
    }
    std::unique_lock lock(mu);
    ++started;
    cv.notify_all();
    bool all = cv.wait_for(lock, std::chrono::seconds(60), [&] { return started >= 3; });
    --running;
    if (!all) throw Error("alone: the other steps of the phase never started");
    return "";
  };
  auto single = []() -> std::string { return ""; };
  Plan p;
  for (const char* h : {"h1", "h2", "h3"}) p.steps.push_back({"files", h, "write", false, body, true});
  p.steps.push_back({"etcd", "h1", "start", false, single, false});
  std::ostringstream out;
  Progress progress(out, true);
  EXPECT_NO_THROW(runPlan(p, progress)) << out.str();
  EXPECT_EQ(peak.load(), 3);
  Plan bad;
  bad.steps.push_back({"files", "h1", "write", false, single, true});
  bad.steps.push_back({"files", "h2", "write", false, []() -> std::string { throw Error("disk full"); }, true});
  bad.steps.push_back({"etcd", "h1", "never", false, [] { ADD_FAILURE() << "must not run after a failed group"; return std::string(); }, false});
  EXPECT_THROW(runPlan(bad, progress), Error);
}
