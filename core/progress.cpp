#include "core/progress.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace kforge {

std::string toString(StepStatus s) {
  switch (s) {
    case StepStatus::Started: return "started";
    case StepStatus::Ok: return "ok";
    case StepStatus::Skipped: return "skipped";
    case StepStatus::Failed: return "failed";
  }
  return "?";
}

Progress::Progress(std::ostream& out, bool json) : out_(out), json_(json), start_(std::chrono::steady_clock::now()) {}

double Progress::elapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::report(const std::string& host, const std::string& step, StepStatus status, const std::string& detail) {
  if (quiet_) return;
  double t = elapsedSeconds();
  std::lock_guard lock(mu_);
  if (json_) {
    nlohmann::json j{{"elapsed", std::round(t * 1000) / 1000}, {"host", host}, {"step", step},
                     {"status", toString(status)}};
    if (!detail.empty()) j["detail"] = detail;
    out_ << j.dump() << "\n";
  } else {
    char head[64];
    std::snprintf(head, sizeof head, "[%6.1fs] ", t);
    char cols[160];
    std::snprintf(cols, sizeof cols, "%-14s %-26s %-8s", host.empty() ? "*" : host.c_str(), step.c_str(),
                  toString(status).c_str());
    out_ << head << cols << (detail.empty() ? "" : " " + detail) << "\n";
  }
  out_.flush();
}

}  // namespace kforge
