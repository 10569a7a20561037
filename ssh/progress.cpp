#include "ssh/progress.hpp"

#include <cstdio>

namespace kforge::ssh {

std::string toString(StepPhase p) {
  switch (p) {
    case StepPhase::Started: return "started";
    case StepPhase::Ok: return "ok";
    case StepPhase::Failed: return "failed";
    case StepPhase::Skipped: return "skipped";
  }
  return "?";
}

static std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

std::string formatProgress(const ProgressEvent& e, size_t hostWidth, size_t stepWidth) {
  char clock[32];
  std::snprintf(clock, sizeof clock, "[%5.1fs]", e.sinceStart);
  std::string line = std::string(clock) + " " + pad(e.host, hostWidth) + "  " + pad(e.step, stepWidth) + "  " + toString(e.phase);
  if (!e.detail.empty()) line += e.phase == StepPhase::Failed ? ": " + e.detail : " (" + e.detail + ")";
  return line;
}

}  // namespace kforge::ssh
