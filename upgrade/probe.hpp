// The availability probe: proof that a cluster kept taking writes, and kept them, through an upgrade.
//
// Started before the first step of an upgrade and stopped after the last. Each channel runs in its own thread and,
// every `interval` (100 ms), makes one write and reads it back at once:
//   - "etcd": a put of `/kforge-probe/<runId>/<seq>` (seq zero-padded, so keys sort in write order) through
//     kforge's etcd client, straight to the members (never under /registry, where the API server keeps its
//     objects); read back with a linearizable range of that key.
//   - "kube-api": a create of ConfigMap `kforge-probe-<runId>-<seq>` in kube-system, labelled
//     `kforge.dev/probe-run=<runId>`, through the cluster endpoint (the load balancer, as clients see it); read
//     back with a GET. One small object per write rather than one ConfigMap that grows an entry per write: a
//     growing object is rewritten whole by every update (etcd keeps every revision until compaction; an hour at
//     10 writes/s is 36,000 revisions of an object nearing the 1 MiB limit), while a create of a fresh name also
//     never conflicts with the previous write, so a write that timed out but landed cannot fail the next one.
// A write is *acknowledged* when the store answered it with success (etcd's revision, the API's 201); a sample
// is *ok* when it was acknowledged and read back unchanged. At stop() the probe waits for the threads, then reads
// back every acknowledged write (one paginated range / list per channel) — an acknowledged write missing then is
// *lost* — and deletes what it wrote (a range delete of its prefix; a collection delete by its label).
// Nothing is ever thrown out of a thread: every failure is a failed sample with its message.
// With ProbeOptions::journalDir each channel also appends every sample to its journal (upgrade/probe_journal.hpp)
// as it is taken: when the process is killed before stop(), the run that continues it makes the attempt's figures
// from the journal and runs the same end check (recoverProbeFigures).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "etcdctl/client.hpp"
#include "kube/kubeconfig.hpp"
#include "upgrade/probe_journal.hpp"

namespace kforge::upgrade {

namespace detail {
struct ProbeChannel;  // one store the probe writes to (probe.cpp)
}

// One write as it went.
struct ProbeSample {
  double t = 0;          // seconds from the probe's start to the write's start
  double latencyMs = 0;  // the write's round trip (put / create) until its answer or error; not the read-back
  bool ok = false;       // acknowledged and read back unchanged
};

// What one channel saw. failed = attempted - acknowledged.
struct ProbeChannelFigures {
  std::string channel;  // "etcd" | "kube-api"
  std::string target;   // the endpoints / the API server URL, for people
  int64_t attempted = 0;
  int64_t acknowledged = 0;
  int64_t failed = 0;          // refused, timed out, transport error: not acknowledged (it may still have landed)
  int64_t readBackFailed = 0;  // acknowledged, but the immediate read-back did not return it as written
  int64_t lost = 0;            // acknowledged, and missing or changed at the end check
  bool verified = false;       // the end check ran; when false, `lost` means nothing and checkError says why
  // The longest time without an ok sample, counted from the probe's start to the first ok sample, between ok
  // samples, and from the last ok sample to the stop (for figures recovered from a journal: to the end of the last
  // journalled write, the time after it until the kill is unknown); and where it began (seconds from the probe's
  // start).
  double longestGapSeconds = 0;
  double longestGapStart = 0;
  double latencyP50Ms = 0, latencyP99Ms = 0, latencyMaxMs = 0;  // of acknowledged writes
  double cpuSeconds = 0;      // CPU time this channel's thread used (the probe's own cost; 0 when recovered)
  std::string lastError;      // the last failed sample's message (escaped, bounded)
  std::string checkError;     // why the end check could not run
  std::string cleanupError;   // why the probe's keys / objects could not all be deleted (they are then left)
  std::vector<ProbeSample> series;  // every attempted write, in order
};

struct ProbeFigures {
  std::string runId;
  int64_t startedAtMs = 0;  // Unix time in ms of the probe's start: the series' t = 0
  double durationSeconds = 0;  // recovered: to the end of the last journalled write
  double intervalMs = 0;
  // Made by a later run from the journal of an attempt killed before stop() (recoverProbeFigures).
  bool recoveredFromJournal = false;
  std::vector<ProbeChannelFigures> channels;
  bool empty() const { return channels.empty(); }
};

struct ProbeOptions {
  std::chrono::milliseconds interval{100};
  // Bound of every call (write, read-back): how long a write may hang before it counts as failed, and so how long
  // stop() may wait for a thread that is in a call.
  std::chrono::milliseconds callTimeout{1000};
  // stop(): how long the end check keeps trying while the store does not answer (then verified = false).
  std::chrono::milliseconds verifyFor{std::chrono::seconds(10)};
  std::string kubeNamespace = "kube-system";
  // Where each channel journals its samples (probeJournalPath(journalDir, runId, channel)); "" = no journal. A
  // journal that cannot be created or written is warned about and the probe goes on without it.
  std::string journalDir;
};

class AvailabilityProbe {
 public:
  // runId: 1-40 of [a-z0-9-] (it names keys, objects and a label value); throws kforge::Error (InvalidInput)
  // otherwise. etcdEndpoints empty = no etcd channel (e.g. a managed etcd kforge cannot reach); api nullopt = no
  // API channel. Connects to nothing until start(). A kubeconfig file: kube::loadKubeconfig(path).
  AvailabilityProbe(std::string runId, std::vector<std::string> etcdEndpoints, etcd::TlsFiles etcdTls,
                    std::optional<kube::Credentials> api, ProbeOptions opts = {});
  // Stops the threads if still running (without the end check or the clean-up).
  ~AvailabilityProbe();
  AvailabilityProbe(const AvailabilityProbe&) = delete;
  AvailabilityProbe& operator=(const AvailabilityProbe&) = delete;

  // Starts one thread per channel. Once only (throws kforge::Error when called twice).
  void start();
  bool running() const;
  // Stops the threads (each finishes the call it is in: its write and read-back, each at most callTimeout per etcd
  // endpoint tried), checks every acknowledged
  // write, cleans up, and returns the figures. Never throws; a second call returns the same figures.
  ProbeFigures stop();

 private:
  void loop(detail::ProbeChannel& c);
  std::string runId_;
  std::vector<std::string> etcdEndpoints_;
  etcd::TlsFiles etcdTls_;
  std::optional<kube::Credentials> api_;
  ProbeOptions opts_;
  std::vector<std::unique_ptr<detail::ProbeChannel>> channels_;
  std::atomic<bool> stopping_{false};
  std::mutex wakeMu_;
  std::condition_variable wake_;  // wakes the threads at stop
  bool started_ = false;
  std::optional<ProbeFigures> result_;
  std::chrono::steady_clock::time_point start_;
  int64_t startedAtMs_ = 0;
};

// Deletes what a probe with this id wrote and could not remove itself (a run killed before stop(), or a store that
// was down at the end): its etcd keys and its ConfigMaps. Returns "" when both are gone, else why not (escaped);
// never throws. A resumed upgrade calls it for the previous attempt's probe id.
std::string removeProbeLeftovers(const std::string& probeId, const std::vector<std::string>& etcdEndpoints,
                                 const etcd::TlsFiles& etcdTls, const std::optional<kube::Credentials>& api,
                                 const ProbeOptions& opts = {});

// The figures of an attempt killed before its probe's stop(), from its journals (one per channel, as
// readProbeJournal reads them): counts, longest gap, latencies and series from the samples (the gap not counting
// the unknown time between the last journalled write and the kill; no CPU time), then the end check of stop()
// against the stores: every acknowledged write of the journal still there, unchanged. Does not clean up (that is
// removeProbeLeftovers). recoveredFromJournal is set. Never throws: what could not be checked is in checkError.
ProbeFigures recoverProbeFigures(const std::vector<ProbeJournal>& journals, const std::vector<std::string>& etcdEndpoints,
                                 const etcd::TlsFiles& etcdTls, const std::optional<kube::Credentials>& api,
                                 const ProbeOptions& opts = {});

// The parts stop() and recoverProbeFigures share (exposed for their tests).
// Given cf.series and cf.acknowledged: attempted, failed, the longest gap (to endSeconds after the last ok sample)
// and the latencies of ok samples.
void summarizeSeries(ProbeChannelFigures& cf, double endSeconds);
// Every write a journal says was acknowledged: seq -> value written.
std::map<int64_t, std::string> acknowledgedWrites(const ProbeJournal& journal);
// The end check: reads what is there (readAll: seq -> value; throws when the store cannot be read), retried every
// 500 ms for verifyFor while it throws; counts cf.lost among `acked`, sets cf.verified, or cf.checkError.
void checkAcknowledged(ProbeChannelFigures& cf, const std::map<int64_t, std::string>& acked,
                       const std::function<std::map<int64_t, std::string>()>& readAll,
                       std::chrono::milliseconds verifyFor);

// The etcd prefix of a run's keys ("/kforge-probe/<runId>/") and the label selector of its ConfigMaps
// ("kforge.dev/probe-run=<runId>"): for cleaning up by hand after a probe that could not (cleanupError).
std::string probeEtcdPrefix(const std::string& runId);
std::string probeLabelSelector(const std::string& runId);

}  // namespace kforge::upgrade
