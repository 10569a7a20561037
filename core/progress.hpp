// Progress of long work: one line per host and step with the time since the run began, as text for people
// ("[  1.2s] cp1  upload-pki  ok (14 files, 3 skipped)") or JSON lines for machines (-o json).
// The fleet executor (ssh/fleet.hpp) emits ProgressEvents; the plan runner and the CLI report through Progress.
#pragma once
#include <chrono>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace kforge {

enum class StepStatus { Started, Ok, Skipped, Failed };
std::string toString(StepStatus);

struct ProgressEvent {
  std::string host;  // "" for a cluster-wide step (printed as "*")
  std::string step;
  StepStatus status = StepStatus::Started;
  double sinceStart = 0;  // seconds since the run began
  double duration = 0;    // seconds this host spent on this step (0 for Started)
  std::string detail;     // "14 files, 3 skipped" or the error message
  ExitCode code = ExitCode::Ok;
};

// "[  1.2s] cp1  upload-pki  ok (14 files, 3 skipped)"; hostWidth / stepWidth pad the columns.
std::string formatProgress(const ProgressEvent& e, size_t hostWidth = 0, size_t stepWidth = 0);
// One JSON object on one line: {"elapsed","host","step","status","duration"?,"detail"?}.
std::string progressJson(const ProgressEvent& e);

class Progress {
 public:
  // out: where lines go (stderr for text so stdout stays clean for results; stdout for JSON lines).
  Progress(std::ostream& out, bool json);
  // Thread-safe. sinceStart is taken from this object's clock.
  void report(const std::string& host, const std::string& step, StepStatus status, const std::string& detail = "");
  // Prints an event as it is (its own sinceStart), e.g. from the fleet executor.
  void emit(const ProgressEvent& e);
  double elapsedSeconds() const;
  // Quiet: nothing printed; listeners are still called.
  void setQuiet(bool q) { quiet_ = q; }
  // Calls `fn` with every event reported or emitted from now on (also when quiet), after it was printed, in the
  // reporting thread. Thread-safe; listeners are called one event at a time, in the order they were added, and
  // cannot be removed (capture what they need by shared_ptr if it may die before this Progress). An exception
  // from a listener is swallowed: recording progress never fails the step it records. A listener must not call
  // back into this Progress.
  void addListener(std::function<void(const ProgressEvent&)> fn);

 private:
  std::ostream& out_;
  bool json_;
  bool quiet_ = false;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::mutex listenersMu_;  // held while listeners run: one event at a time, in order
  std::vector<std::function<void(const ProgressEvent&)>> listeners_;
};

}  // namespace kforge
