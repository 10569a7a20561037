// The run report: what an upgrade did, step by step, as JSON in `<stateDir>/runs/<runId>.json`.
//
// Written atomically (core/atomic_file.hpp: temporary file, fsync, rename) after every change, so a SIGKILL loses
// at most the step in flight. A run killed and started again with the same command continues the same report
// with a new *attempt* (RunReport::resumeOrStart): the report then covers both runs, the first attempt marked
// "interrupted" and its step in flight too. Steps come from the plan runner through core/progress.hpp's
// listener (RunReport::attach) or from explicit calls.
//
// Times are Unix milliseconds in memory and RFC 3339 UTC with milliseconds in the file
// ("2025-11-29T19:35:01.123Z"). The file's layout (version 1):
//   {kind, version, runId, cluster, commandKey, fromVersion, toVersion, strategy, startedAt, finishedAt|null,
//    outcome: running|succeeded|failed,
//    attempts: [{attempt, commandLine, startedAt, finishedAt|null, outcome: running|succeeded|failed|interrupted,
//                error, waitingSeconds, steps: [{phase, host, description, start, end|null,
//                                result: running|ok|failed|skipped|interrupted, detail, backupId}],
//                gate: [{check, host, result: ok|warning|failed, message}],
//                probe: null | {runId, startedAt, durationSeconds, intervalMs, recoveredFromJournal,
//                               channels: [{channel, target, attempted, acknowledged, failed, readBackFailed, lost,
//                                           verified, longestGapSeconds, longestGapStart, latencyP50Ms, latencyP99Ms,
//                                           latencyMaxMs, cpuSeconds, lastError, checkError, cleanupError,
//                                           series: [[t, latencyMs, ok 0|1], ...]}]}}]}
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/progress.hpp"
#include "upgrade/probe.hpp"

namespace kforge::upgrade {

int64_t unixMsNow();
// "2025-11-29T19:35:01.123Z"; parse gives nullopt for anything else.
std::string formatUtcMs(int64_t unixMs);
std::optional<int64_t> parseUtcMs(const std::string& text);

struct StepRecord {
  std::string phase;  // the plan step's phase ("etcd", "control-plane"), or "backup"
  std::string host;   // "" = cluster-wide
  std::string description;
  int64_t startMs = 0;
  int64_t endMs = 0;  // 0 while running
  std::string result = "running";  // running | ok | failed | skipped | interrupted
  std::string detail;              // the step's result or error message
  std::string backupId;            // the verified etcd backup taken right before this step, if one was
};

// One finding of the pre-upgrade gate (upgrade/gate*).
struct GateRecord {
  std::string check;    // "etcd-quorum", "certificate-expiry", "pdb"...
  std::string host;     // "" = cluster-wide
  std::string result;   // ok | warning | failed
  std::string message;
};

struct Attempt {
  int number = 1;
  std::string commandLine;
  int64_t startedMs = 0;
  int64_t finishedMs = 0;  // 0 while running
  std::string outcome = "running";  // running | succeeded | failed | interrupted
  std::string error;
  // Of the attempt's time, how much went to waiting for the cluster (components healthy, etcd caught up, drains,
  // Nodes Ready: bootstrap/wait.hpp's waitedSeconds); the rest is kforge's own work.
  double waitingSeconds = 0;
  std::vector<StepRecord> steps;
  std::vector<GateRecord> gate;
  std::optional<ProbeFigures> probe;
};

struct RunData {
  std::string runId;  // "20251129-193501-7f3a": UTC start + 4 random hex digits
  std::string cluster;
  std::string commandKey;  // what a re-run must match to continue this report: "upgrade apply --to v1.37.2"
  std::string fromVersion, toVersion, strategy;
  int64_t startedMs = 0;
  int64_t finishedMs = 0;  // 0 while running
  std::string outcome = "running";  // running | succeeded | failed
  std::vector<Attempt> attempts;
  bool finished() const { return finishedMs != 0; }
};

nlohmann::json toJson(const RunData& run);
// Throws kforge::Error (InvalidInput) naming what is wrong.
RunData runFromJson(const nlohmann::json& j);

// A live report: every change is written to its file at once. Copies share one report (thread-safe).
class RunReport {
 public:
  // Continues the newest report in <stateDir>/runs of `cluster` with this commandKey when it has not finished (its
  // running attempt becomes "interrupted", with its step in flight), appending an attempt; else starts a new
  // report. Writes the file before returning; throws kforge::Error when it cannot.
  static RunReport resumeOrStart(const std::string& stateDir, const std::string& cluster,
                                 const std::string& commandKey, const std::string& commandLine);
  static std::string runsDir(const std::string& stateDir);  // <stateDir>/runs
  // <stateDir>/runs/<runId>.json; throws kforge::Error (InvalidInput) for an id that is not a file name
  // (1-64 of [A-Za-z0-9._-], not starting with '.').
  static std::string pathFor(const std::string& stateDir, const std::string& runId);
  // Reads one report. Throws kforge::Error naming the file.
  static RunData load(const std::string& path);
  // Every report in <stateDir>/runs, newest first; a file that cannot be read is skipped with a warning.
  static std::vector<RunData> list(const std::string& stateDir);

  const std::string& runId() const;
  const std::string& path() const;
  int attempt() const;  // 1 for a new report, n for its n-th run
  // The id for this attempt's AvailabilityProbe: "<runId>-a<attempt>" (each attempt writes its own keys).
  std::string probeId() const;
  // The same of attempt n of this run.
  std::string probeIdOf(int attempt) const;
  RunData data() const;

  // The changes. Each writes the file; a write that fails is warned about (once) and retried with the next change:
  // a full disk never fails the upgrade it records.
  void setVersions(const std::string& from, const std::string& to);  // `from` kept when set (a resumed run)
  void setStrategy(const std::string& strategy);
  void setGateFindings(std::vector<GateRecord> findings);
  // The probe's figures of this attempt, or of an earlier one (attempt n: a killed attempt's figures recovered
  // from its journal). Returns whether the file was written (they are kept) — a journal is removed only then.
  bool setProbe(const ProbeFigures& figures, int attempt = 0);
  void stepStarted(const std::string& phase, const std::string& host, const std::string& description);
  // result: ok | failed | skipped. Closes the newest running step of that phase on that host; when there is none,
  // records the step as having taken `durationSeconds` until now.
  void stepFinished(const std::string& phase, const std::string& host, const std::string& result,
                    const std::string& detail, double durationSeconds = 0);
  // A verified backup taken on `host` ("" = cluster-wide) before a step: recorded as a "backup" step and
  // associated with the step in flight on that host, or else with the next step started there.
  void backupTaken(const std::string& host, const std::string& backupId, const std::string& detail = "");
  // A progress event: Started / Ok / Failed / Skipped of a plan step. The runner's "backup" step (detail
  // "<backup id> (...)") goes to backupTaken.
  void record(const ProgressEvent& e);
  // progress.addListener(record). The listener keeps this report alive.
  void attach(Progress& progress);
  // Ends the attempt and the run: succeeded when ok, else failed with error. Steps still running become
  // "interrupted".
  void finish(bool ok, const std::string& error = "", double waitingSeconds = 0);

 private:
  struct Impl;
  explicit RunReport(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace kforge::upgrade
