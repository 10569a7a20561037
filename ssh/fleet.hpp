// The fleet executor: runs a step on many hosts at once. One Session per host, opened on first use (inside the
// worker, so connects are parallel too) and reused by every later step; at most `concurrency` hosts at a time;
// a result per host (a failing or unreachable host does not stop the others); a progress event per host and step.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "ssh/session.hpp"

namespace kforge::ssh {

struct FleetHost {
  std::string name;   // label in messages and progress ("cp1")
  Endpoint endpoint;  // where sshd listens
};

struct HostResult {
  std::string host;
  bool ok = false;
  bool skipped = false;  // not run (e.g. the host failed an earlier step and skipFailed was set)
  std::string detail;    // what the step returned, or the error message
  ExitCode code = ExitCode::Ok;
  std::chrono::milliseconds elapsed{0};
};

struct StepResults {
  std::vector<HostResult> hosts;  // in fleet order
  bool allOk() const;
  std::vector<std::string> failedHosts() const;
  const HostResult* find(const std::string& host) const;
};

using ProgressFn = std::function<void(const ProgressEvent&)>;
// A step body: does its work on one host, returns a short detail for the progress line ("" is fine).
// Throwing marks the host failed with the exception's message (kforge::Error keeps its exit code).
using StepFn = std::function<std::string(const FleetHost&, Session&)>;

class Fleet {
 public:
  Fleet(std::vector<FleetHost> hosts, SessionOptions options, int concurrency, ProgressFn progress = {});
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Runs fn on every host (or on `only`, by name) with bounded concurrency; returns when all are done.
  StepResults run(const std::string& step, const StepFn& fn, const std::vector<std::string>& only = {});
  // When set, hosts that failed an earlier step are skipped (reported as skipped) instead of retried.
  void setSkipFailed(bool skip) { skipFailed_ = skip; }

  // The host's session, connecting now if needed (throws like Session::connect). For single-host work.
  Session& session(const std::string& host);
  const std::vector<FleetHost>& hosts() const { return hosts_; }
  int workers() const;  // threads run() uses: min(concurrency, hosts)
  // Closes every session.
  void disconnect();

 private:
  struct Slot;
  Session& sessionFor(Slot& slot);
  void emit(const ProgressEvent& e);

  std::vector<FleetHost> hosts_;
  SessionOptions options_;
  int concurrency_;
  ProgressFn progress_;
  bool skipFailed_ = false;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::chrono::steady_clock::time_point start_;
  std::mutex progressMu_;
};

}  // namespace kforge::ssh
