// The availability probe's journal: every sample of one probe channel, on disk as it is taken, so that the figures
// of an attempt killed before AvailabilityProbe::stop() (SIGKILL, a crash, a power cut of the machine kforge runs
// on excepted) can still be made and its acknowledged writes still checked by the run that continues it.
//
// One file per channel of an attempt's probe, beside the run report: `<stateDir>/runs/<probeId>.<channel>.journal`
// (probeId "<runId>-a<attempt>", channel "etcd" | "kube-api"). Created mode 0600 with O_CREAT|O_EXCL|O_NOFOLLOW: a
// file or a link already at the path is refused, never opened or followed. Lines of JSON, each written with one
// write(2) (no fsync: a killed process loses no byte it wrote; only the machine going down could):
//   {"kind":"KforgeProbeJournal","version":1,"runId":..,"channel":..,"target":..,"startedAtMs":..,"intervalMs":..}
//   [seq, t, latencyMs, acknowledged 0|1, ok 0|1, value, error]    one per sample, in order
// `value` is what the write stored (it is what the end check compares; "" when not acknowledged), `error` the
// failed sample's message ("" otherwise). A last line without its newline was torn by the kill and is ignored.
//
// The journal of an attempt whose figures are in the run report is removed (its series is in the report too):
// by `kforge upgrade apply` after stop() and after a continued run has recovered a killed attempt's figures.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kforge::upgrade {

struct ProbeJournalHeader {
  std::string runId;    // the probe's id
  std::string channel;  // "etcd" | "kube-api"
  std::string target;
  int64_t startedAtMs = 0;  // Unix ms of the probe's start: t = 0
  double intervalMs = 0;
};

struct ProbeJournalSample {
  int64_t seq = 0;
  double t = 0;          // seconds from the probe's start to the write's start
  double latencyMs = 0;  // the write's round trip
  bool acknowledged = false;
  bool ok = false;        // acknowledged and read back unchanged
  std::string value;      // what was written, when acknowledged
  std::string error;      // why the sample failed, when it did
};

struct ProbeJournal {
  std::string path;
  ProbeJournalHeader header;
  std::vector<ProbeJournalSample> samples;
  bool tornTail = false;  // a last line without its newline was there (and is not in samples)
};

// <dir>/<probeId>.<channel>.journal
std::string probeJournalPath(const std::string& dir, const std::string& probeId, const std::string& channel);
// The journal files of a probe in dir (any channel), sorted; none when dir does not exist.
std::vector<std::string> probeJournalPaths(const std::string& dir, const std::string& probeId);

// Removes a probe's journal files from dir. Returns "" when none is left, else why not.
std::string removeProbeJournals(const std::string& dir, const std::string& probeId);

// Appends samples to a new journal. Not thread-safe: one writer per channel thread.
class ProbeJournalWriter {
 public:
  // Creates the file (see above) and writes the header. Throws kforge::Error naming the path.
  ProbeJournalWriter(std::string path, const ProbeJournalHeader& header);
  ~ProbeJournalWriter();
  ProbeJournalWriter(const ProbeJournalWriter&) = delete;
  ProbeJournalWriter& operator=(const ProbeJournalWriter&) = delete;

  // One line, one write(2). Throws kforge::Error.
  void append(const ProbeJournalSample& s);
  const std::string& path() const { return path_; }

 private:
  void writeLine(const std::string& line);
  std::string path_;
  int fd_ = -1;
};

// Reads a journal (without following a link at path). A torn last line is ignored (tornTail); a header or a
// complete line that does not parse throws kforge::Error naming the file and the line.
ProbeJournal readProbeJournal(const std::string& path);

}  // namespace kforge::upgrade
