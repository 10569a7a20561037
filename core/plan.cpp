#include "core/plan.hpp"

#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include "core/error.hpp"

namespace kforge {

void Plan::print(std::ostream& out, bool json) const {
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : steps)
      arr.push_back({{"phase", s.phase}, {"host", s.host}, {"description", s.description}, {"risky", s.risky}});
    out << nlohmann::json{{"steps", arr}}.dump(2) << "\n";
    return;
  }
  if (steps.empty()) {
    out << "Plan: nothing to do, the cluster matches the inventory.\n";
    return;
  }
  out << "Plan: " << steps.size() << " step" << (steps.size() == 1 ? "" : "s") << "\n";
  std::string phase;
  int n = 0;
  for (const auto& s : steps) {
    if (s.phase != phase) {
      phase = s.phase;
      out << "  [" << phase << "]\n";
    }
    out << "    " << ++n << ". " << (s.host.empty() ? "" : s.host + ": ") << s.description
        << (s.risky ? "  (etcd backup first)" : "") << "\n";
  }
}

namespace {
void runOne(const Step& s, Progress& progress, const std::function<void(const Step&)>& beforeRisky) {
  progress.report(s.host, s.phase, StepStatus::Started, s.description);
  try {
    if (s.risky && beforeRisky) beforeRisky(s);
    std::string detail = s.run ? s.run() : "";
    progress.report(s.host, s.phase, StepStatus::Ok, detail);
  } catch (const Error& e) {
    progress.report(s.host, s.phase, StepStatus::Failed, e.what());
    throw;
  } catch (const std::exception& e) {
    progress.report(s.host, s.phase, StepStatus::Failed, e.what());
    throw Error(s.phase + (s.host.empty() ? "" : " on " + s.host) + ": " + e.what());
  }
}
}  // namespace

void runPlan(const Plan& plan, Progress& progress, const std::function<void(const Step&)>& beforeRisky) {
  const auto& steps = plan.steps;
  for (size_t i = 0; i < steps.size();) {
    size_t j = i + 1;
    if (steps[i].parallel)
      while (j < steps.size() && steps[j].parallel && steps[j].phase == steps[i].phase && steps[j].batch == steps[i].batch &&
             j - i < 32)
        ++j;
    if (j - i == 1) {
      runOne(steps[i], progress, beforeRisky);
    } else {
      std::vector<std::exception_ptr> errors(j - i);
      std::vector<std::thread> threads;
      for (size_t k = i; k < j; ++k)
        threads.emplace_back([&, k] {
          try {
            runOne(steps[k], progress, beforeRisky);
          } catch (...) {
            errors[k - i] = std::current_exception();
          }
        });
      for (auto& t : threads) t.join();
      for (auto& e : errors)
        if (e) std::rethrow_exception(e);
    }
    i = j;
  }
}

}  // namespace kforge
