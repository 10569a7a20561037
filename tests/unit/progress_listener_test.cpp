// core/progress.hpp's listeners: what the run report subscribes with.
#include <gtest/gtest.h>

#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/progress.hpp"

using namespace kforge;

TEST(ProgressListener, HearsEveryEventEvenWhenQuietAndSurvivesAThrowingListener) {
  std::ostringstream out;
  Progress p(out, false);
  std::vector<std::string> heard;
  std::mutex mu;
  p.addListener([](const ProgressEvent&) { throw std::runtime_error("listener broke"); });
  p.addListener([&](const ProgressEvent& e) {
    std::lock_guard lock(mu);
    heard.push_back(e.host + "/" + e.step + "/" + toString(e.status));
  });
  p.report("cp1", "etcd", StepStatus::Started);
  p.setQuiet(true);
  p.emit({"cp2", "upload", StepStatus::Ok, 1.0, 0.5, "3 files", ExitCode::Ok});
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { p.report("h" + std::to_string(i), "s", StepStatus::Ok); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(heard.size(), 10u);
  EXPECT_EQ(heard[0], "cp1/etcd/started");
  EXPECT_EQ(heard[1], "cp2/upload/ok");
  EXPECT_EQ(out.str().find("upload"), std::string::npos);  // quiet: not printed
}
