// Progress of fleet steps, one event per host and step, rendered by the CLI as text or JSON.
#pragma once
#include <string>

#include "core/error.hpp"

namespace kforge::ssh {

enum class StepPhase { Started, Ok, Failed, Skipped };
std::string toString(StepPhase);

struct ProgressEvent {
  std::string host;
  std::string step;
  StepPhase phase = StepPhase::Started;
  double sinceStart = 0;  // seconds since the fleet was created (the run clock)
  double duration = 0;    // seconds this host spent on this step (0 for Started)
  std::string detail;     // "14 files, 3 skipped" or the error message
  ExitCode code = ExitCode::Ok;
};

// "[  1.2s] cp1  upload-pki  ok (14 files, 3 skipped)"; hostWidth / stepWidth pad the columns.
std::string formatProgress(const ProgressEvent& e, size_t hostWidth = 0, size_t stepWidth = 0);

}  // namespace kforge::ssh
