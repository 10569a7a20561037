// Progress of long work: one line per host and step with the elapsed time since the run began, as text for
// people ("[  1.2s] cp1          upload-pki            ok  14 files, 3 unchanged") or JSON lines for machines.
#pragma once
#include <chrono>
#include <iosfwd>
#include <mutex>
#include <string>

namespace kforge {

enum class StepStatus { Started, Ok, Skipped, Failed };
std::string toString(StepStatus);

class Progress {
 public:
  // out: where lines go (stderr for text so stdout stays clean for results; stdout for JSON lines).
  Progress(std::ostream& out, bool json);
  // host "" = cluster-wide step. Thread-safe: the fleet executor reports from several threads.
  void report(const std::string& host, const std::string& step, StepStatus status, const std::string& detail = "");
  double elapsedSeconds() const;
  void setQuiet(bool q) { quiet_ = q; }

 private:
  std::ostream& out_;
  bool json_;
  bool quiet_ = false;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
};

}  // namespace kforge
