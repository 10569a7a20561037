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

static std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

std::string formatProgress(const ProgressEvent& e, size_t hostWidth, size_t stepWidth) {
  char clock[32];
  std::snprintf(clock, sizeof clock, "[%5.1fs]", e.sinceStart);
  std::string line = std::string(clock) + " " + pad(e.host.empty() ? "*" : e.host, hostWidth) + "  " +
                     pad(e.step, stepWidth) + "  " + toString(e.status);
  if (!e.detail.empty()) line += e.status == StepStatus::Failed ? ": " + e.detail : " (" + e.detail + ")";
  return line;
}

std::string progressJson(const ProgressEvent& e) {
  nlohmann::json j{{"elapsed", std::round(e.sinceStart * 1000) / 1000}, {"host", e.host}, {"step", e.step},
                   {"status", toString(e.status)}};
  if (e.duration > 0) j["duration"] = std::round(e.duration * 1000) / 1000;
  if (!e.detail.empty()) j["detail"] = e.detail;
  return j.dump();
}

Progress::Progress(std::ostream& out, bool json) : out_(out), json_(json), start_(std::chrono::steady_clock::now()) {}

double Progress::elapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::report(const std::string& host, const std::string& step, StepStatus status, const std::string& detail) {
  emit({host, step, status, elapsedSeconds(), 0, detail, ExitCode::Ok});
}

void Progress::emit(const ProgressEvent& e) {
  if (quiet_) return;
  std::lock_guard lock(mu_);
  out_ << (json_ ? progressJson(e) : formatProgress(e, 12, 18)) << "\n";
  out_.flush();
}

}  // namespace kforge
