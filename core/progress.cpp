#include "core/progress.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

#include "core/printable.hpp"

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

namespace {
constexpr size_t kDetailBytes = 2000;  // a step's result or error, e.g. a remote command's stderr tail
}  // namespace

static std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

std::string formatProgress(const ProgressEvent& e, size_t hostWidth, size_t stepWidth) {
  char clock[32];
  std::snprintf(clock, sizeof clock, "[%5.1fs]", e.sinceStart);
  // Host names come from the inventory and details from the hosts: both are escaped and cut (core/printable.hpp).
  std::string line = std::string(clock) + " " + pad(e.host.empty() ? "*" : printable(e.host, 100), hostWidth) + "  " +
                     pad(printable(e.step, 100), stepWidth) + "  " + toString(e.status);
  std::string detail = printable(e.detail, kDetailBytes, true);
  if (!detail.empty()) line += e.status == StepStatus::Failed ? ": " + detail : " (" + detail + ")";
  return line;
}

std::string progressJson(const ProgressEvent& e) {
  // printable() also makes the text valid UTF-8, which nlohmann::json needs to dump it.
  nlohmann::json j{{"elapsed", std::round(e.sinceStart * 1000) / 1000}, {"host", printable(e.host, 100)},
                   {"step", printable(e.step, 100)}, {"status", toString(e.status)}};
  if (e.duration > 0) j["duration"] = std::round(e.duration * 1000) / 1000;
  if (!e.detail.empty()) j["detail"] = printable(e.detail, kDetailBytes, true);
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
  if (!quiet_) {
    std::lock_guard lock(mu_);
    out_ << (json_ ? progressJson(e) : formatProgress(e, 12, 18)) << "\n";
    out_.flush();
  }
  std::lock_guard lock(listenersMu_);
  for (auto& fn : listeners_) {
    try {
      fn(e);
    } catch (...) {
      // A listener (the run report) that cannot record an event must not turn a good step into a failed one.
    }
  }
}

void Progress::addListener(std::function<void(const ProgressEvent&)> fn) {
  std::lock_guard lock(listenersMu_);
  listeners_.push_back(std::move(fn));
}

}  // namespace kforge
