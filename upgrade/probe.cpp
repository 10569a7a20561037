#include "upgrade/probe.hpp"

#include <time.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/printable.hpp"
#include "kube/client.hpp"

namespace kforge::upgrade {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kLabel = "kforge.dev/probe-run";

double secondsBetween(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

int64_t unixMsNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double threadCpuSeconds() {
  timespec ts{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string seqText(int64_t seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%010lld", static_cast<long long>(seq));
  return buf;
}

bool validRunId(const std::string& id) {
  if (id.empty() || id.size() > 40) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return id.front() != '-' && id.back() != '-';
}

// The end of etcd's range for every key starting with prefix (prefix with its last byte incremented).
std::string prefixEnd(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

std::string probeEtcdPrefix(const std::string& runId) { return "/kforge-probe/" + runId + "/"; }
std::string probeLabelSelector(const std::string& runId) { return std::string(kLabel) + "=" + runId; }

// One channel: a store the probe writes to. The write thread owns the write connection; the end check and the
// clean-up run in the caller of stop() after the thread has ended, on a connection of their own.
struct detail::ProbeChannel {
  virtual ~ProbeChannel() = default;
  std::string name, target;
  std::thread thread;
  // Written by the thread only, read after join.
  std::vector<ProbeSample> series;
  std::map<int64_t, std::string> acked;  // seq -> value written
  int64_t readBackFailed = 0;
  std::string lastError;
  double cpuSeconds = 0;
  std::unique_ptr<ProbeJournalWriter> journal;  // null: no journal (none asked for, or it failed)

  // One write of `value` under `seq` and its read-back. Returns whether the store acknowledged the write; sets
  // readBack to whether the read-back returned it unchanged. Throws on failure (the thread records it).
  virtual bool write(int64_t seq, const std::string& value, bool& readBack, double& latencyMs) = 0;
  // Forget the write connection after a failure: the next write connects afresh.
  virtual void reset() = 0;
  // Everything the probe wrote that is there now: seq -> value. Throws when the store cannot be read.
  virtual std::map<int64_t, std::string> readAll() = 0;
  // Deletes everything the probe wrote. Throws on failure.
  virtual void cleanup() = 0;
};

namespace {

struct EtcdChannel : detail::ProbeChannel {
  std::vector<std::string> endpoints;
  etcd::TlsFiles tls;
  std::string prefix;
  std::chrono::milliseconds timeout;
  std::unique_ptr<etcd::Client> client;

  std::unique_ptr<etcd::Client> makeClient(std::chrono::milliseconds t) const {
    auto c = std::make_unique<etcd::Client>(endpoints, tls, t);
    c->setRetryFor(std::chrono::milliseconds(0));  // one try per endpoint: a stalled write is a failed sample
    return c;
  }

  bool write(int64_t seq, const std::string& value, bool& readBack, double& latencyMs) override {
    // A fresh channel after a failure: a gRPC channel first opened while a member was down may keep failing
    // after it came back (bootstrap/apply.cpp, waitEtcdMember).
    if (!client) client = makeClient(timeout);
    const std::string key = prefix + seqText(seq);
    auto t0 = Clock::now();
    client->put(key, value);  // throws when not acknowledged
    latencyMs = secondsBetween(t0, Clock::now()) * 1000;
    try {
      auto r = client->range(key);
      readBack = r.kvs.size() == 1 && r.kvs[0].value == value;
      if (!readBack) lastError = "read-back of " + key + " did not return the value written";
    } catch (const std::exception& e) {
      readBack = false;
      lastError = std::string("read-back: ") + e.what();
      client.reset();
    }
    return true;
  }

  void reset() override { client.reset(); }

  std::map<int64_t, std::string> readAll() override {
    auto c = makeClient(std::max(timeout, std::chrono::milliseconds(5000)));
    std::map<int64_t, std::string> out;
    const std::string end = prefixEnd(prefix);
    std::string from = prefix;
    for (;;) {
      auto r = c->range(from, end, 1000);
      for (const auto& kv : r.kvs) {
        try {
          out[std::stoll(kv.key.substr(prefix.size()))] = kv.value;
        } catch (const std::exception&) {
          // not one of ours (no number after the prefix): ignored
        }
      }
      if (!r.more || r.kvs.empty()) break;
      from = r.kvs.back().key + std::string(1, '\0');
    }
    return out;
  }

  void cleanup() override {
    auto c = makeClient(std::max(timeout, std::chrono::milliseconds(5000)));
    c->deleteRange(prefix, prefixEnd(prefix));
  }
};

struct KubeChannel : detail::ProbeChannel {
  kube::Credentials creds;
  std::string ns, runId;
  std::chrono::milliseconds timeout;
  std::unique_ptr<kube::KubeClient> client;

  std::string collection() const { return "/api/v1/namespaces/" + ns + "/configmaps"; }
  std::string objectName(int64_t seq) const { return "kforge-probe-" + runId + "-" + seqText(seq); }

  std::unique_ptr<kube::KubeClient> makeClient(std::chrono::milliseconds t) const {
    kube::ClientOptions o;
    o.connectTimeoutMs = static_cast<long>(t.count());
    o.requestTimeoutMs = static_cast<long>(t.count());
    o.userAgent = "kforge-probe";
    return std::make_unique<kube::KubeClient>(creds, o);
  }

  static std::string statusMessage(const kube::Response& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    std::string msg = j.is_object() && j.contains("message") && j["message"].is_string() ? j["message"].get<std::string>()
                                                                                           : r.body.substr(0, 200);
    return "HTTP " + std::to_string(r.status) + ": " + msg;
  }

  bool write(int64_t seq, const std::string& value, bool& readBack, double& latencyMs) override {
    if (!client) client = makeClient(timeout);
    const std::string name = objectName(seq);
    nlohmann::json cm{{"apiVersion", "v1"},
                      {"kind", "ConfigMap"},
                      {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{kLabel, runId}}}}},
                      {"data", {{"value", value}}}};
    auto t0 = Clock::now();
    auto r = client->request("POST", collection(), cm.dump());  // throws on a transport failure
    latencyMs = secondsBetween(t0, Clock::now()) * 1000;
    if (r.status != 201 && r.status != 200) throw Error("create " + name + ": " + statusMessage(r));
    try {
      auto g = client->request("GET", collection() + "/" + name);
      auto j = nlohmann::json::parse(g.body, nullptr, false);
      readBack = g.status == 200 && j.is_object() && j.contains("data") && j["data"].is_object() &&
                 j["data"].value("value", "") == value;
      if (!readBack) lastError = "read-back of " + name + ": " + (g.status == 200 ? "changed" : statusMessage(g));
    } catch (const std::exception& e) {
      readBack = false;
      lastError = std::string("read-back: ") + e.what();
    }
    return true;
  }

  void reset() override {}  // libcurl reconnects by itself; the handle stays

  std::map<int64_t, std::string> readAll() override {
    auto c = makeClient(std::max(timeout, std::chrono::milliseconds(10000)));
    std::map<int64_t, std::string> out;
    const std::string namePrefix = "kforge-probe-" + runId + "-";
    std::string cont;
    for (;;) {
      std::string path = collection() + "?limit=500";
      if (!cont.empty()) path += "&continue=" + kube::urlEncode(cont);
      auto list = c->list(path, probeLabelSelector(runId));
      for (const auto& item : list.value("items", nlohmann::json::array())) {
        std::string name = item["metadata"].value("name", "");
        if (name.rfind(namePrefix, 0) != 0) continue;
        try {
          std::string v = item.contains("data") && item["data"].is_object() ? item["data"].value("value", "") : "";
          out[std::stoll(name.substr(namePrefix.size()))] = v;
        } catch (const std::exception&) {
        }
      }
      cont = list.contains("metadata") ? list["metadata"].value("continue", "") : "";
      if (cont.empty()) break;
    }
    return out;
  }

  void cleanup() override {
    auto c = makeClient(std::max(timeout, std::chrono::milliseconds(30000)));
    // deletecollection: one call, whatever the number of objects.
    auto r = c->request("DELETE", collection() + "?labelSelector=" + kube::urlEncode(probeLabelSelector(runId)));
    if (r.status < 200 || r.status >= 300) throw Error("delete the probe's ConfigMaps: " + statusMessage(r));
  }
};

// The channels, as the probe with this id writes them (and as the end check and the clean-up read them).
std::unique_ptr<EtcdChannel> etcdChannel(const std::string& runId, const std::vector<std::string>& endpoints,
                                         const etcd::TlsFiles& tls, const ProbeOptions& opts) {
  auto c = std::make_unique<EtcdChannel>();
  c->name = "etcd";
  for (const auto& e : endpoints) c->target += (c->target.empty() ? "" : ",") + e;
  c->endpoints = endpoints;
  c->tls = tls;
  c->prefix = probeEtcdPrefix(runId);
  c->timeout = opts.callTimeout;
  return c;
}

std::unique_ptr<KubeChannel> kubeChannel(const std::string& runId, const kube::Credentials& creds,
                                         const ProbeOptions& opts) {
  auto c = std::make_unique<KubeChannel>();
  c->name = "kube-api";
  c->target = creds.server;
  c->creds = creds;
  c->ns = opts.kubeNamespace;
  c->runId = runId;
  c->timeout = opts.callTimeout;
  return c;
}

}  // namespace

std::string removeProbeLeftovers(const std::string& probeId, const std::vector<std::string>& etcdEndpoints,
                                 const etcd::TlsFiles& etcdTls, const std::optional<kube::Credentials>& api,
                                 const ProbeOptions& opts) {
  if (!validRunId(probeId)) return "probe id '" + printable(probeId, 60) + "' is not one";
  std::string why;
  try {
    if (!etcdEndpoints.empty()) etcdChannel(probeId, etcdEndpoints, etcdTls, opts)->cleanup();
  } catch (const std::exception& e) {
    why = printable(std::string("etcd: ") + e.what(), 300);
  }
  try {
    if (api) kubeChannel(probeId, *api, opts)->cleanup();
  } catch (const std::exception& e) {
    why += (why.empty() ? "" : "; ") + printable(std::string("kube-api: ") + e.what(), 300);
  }
  return why;
}

void summarizeSeries(ProbeChannelFigures& cf, double endSeconds) {
  cf.attempted = static_cast<int64_t>(cf.series.size());
  cf.failed = cf.attempted - cf.acknowledged;
  cf.longestGapSeconds = cf.longestGapStart = 0;
  std::vector<double> latencies;
  double lastOk = 0;
  for (const auto& s : cf.series) {
    if (!s.ok) continue;
    if (s.t - lastOk > cf.longestGapSeconds) {
      cf.longestGapSeconds = s.t - lastOk;
      cf.longestGapStart = lastOk;
    }
    lastOk = s.t;
    latencies.push_back(s.latencyMs);
  }
  if (endSeconds - lastOk > cf.longestGapSeconds) {
    cf.longestGapSeconds = endSeconds - lastOk;
    cf.longestGapStart = lastOk;
  }
  cf.latencyP50Ms = percentile(latencies, 0.5);
  cf.latencyP99Ms = percentile(latencies, 0.99);
  cf.latencyMaxMs = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
}

std::map<int64_t, std::string> acknowledgedWrites(const ProbeJournal& journal) {
  std::map<int64_t, std::string> acked;
  for (const auto& s : journal.samples)
    if (s.acknowledged) acked[s.seq] = s.value;
  return acked;
}

void checkAcknowledged(ProbeChannelFigures& cf, const std::map<int64_t, std::string>& acked,
                       const std::function<std::map<int64_t, std::string>()>& readAll,
                       std::chrono::milliseconds verifyFor) {
  // Every acknowledged write still there, unchanged. Retried while the store does not answer.
  auto until = Clock::now() + verifyFor;
  for (;;) {
    try {
      auto now = readAll();
      cf.lost = 0;
      for (const auto& [seq, v] : acked) {
        auto it = now.find(seq);
        if (it == now.end() || it->second != v) ++cf.lost;
      }
      cf.verified = true;
      cf.checkError.clear();
      return;
    } catch (const std::exception& e) {
      cf.checkError = printable(e.what(), 300);
    }
    if (Clock::now() >= until) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

ProbeFigures recoverProbeFigures(const std::vector<ProbeJournal>& journals, const std::vector<std::string>& etcdEndpoints,
                                 const etcd::TlsFiles& etcdTls, const std::optional<kube::Credentials>& api,
                                 const ProbeOptions& opts) {
  ProbeFigures f;
  f.recoveredFromJournal = true;
  for (const auto& j : journals) {
    if (f.channels.empty()) {
      f.runId = j.header.runId;
      f.startedAtMs = j.header.startedAtMs;
      f.intervalMs = j.header.intervalMs;
    }
    ProbeChannelFigures cf;
    try {
      cf.channel = j.header.channel;
      cf.target = j.header.target;
      double end = 0;
      for (const auto& s : j.samples) {
        cf.series.push_back({s.t, s.latencyMs, s.ok});
        cf.acknowledged += s.acknowledged ? 1 : 0;
        cf.readBackFailed += s.acknowledged && !s.ok ? 1 : 0;
        if (!s.ok && !s.error.empty()) cf.lastError = s.error;
        end = std::max(end, s.t + s.latencyMs / 1000);
      }
      summarizeSeries(cf, end);
      f.durationSeconds = std::max(f.durationSeconds, end);
      std::unique_ptr<detail::ProbeChannel> c;
      if (!validRunId(j.header.runId))
        cf.checkError = "the journal's probe id '" + printable(j.header.runId, 60) + "' is not one";
      else if (cf.channel == "etcd" && !etcdEndpoints.empty())
        c = etcdChannel(j.header.runId, etcdEndpoints, etcdTls, opts);
      else if (cf.channel == "kube-api" && api)
        c = kubeChannel(j.header.runId, *api, opts);
      else
        cf.checkError = "nothing to check the " + printable(cf.channel, 40) + " channel's writes against";
      if (c) checkAcknowledged(cf, acknowledgedWrites(j), [&] { return c->readAll(); }, opts.verifyFor);
    } catch (const std::exception& e) {
      cf.checkError = printable(e.what(), 300);
    }
    f.channels.push_back(std::move(cf));
  }
  return f;
}

AvailabilityProbe::AvailabilityProbe(std::string runId, std::vector<std::string> etcdEndpoints, etcd::TlsFiles etcdTls,
                                     std::optional<kube::Credentials> api, ProbeOptions opts)
    : runId_(std::move(runId)),
      etcdEndpoints_(std::move(etcdEndpoints)),
      etcdTls_(std::move(etcdTls)),
      api_(std::move(api)),
      opts_(std::move(opts)) {
  if (!validRunId(runId_))
    throw Error("availability probe: run id '" + printable(runId_, 60) +
                    "' must be 1-40 lowercase letters, digits and '-', starting and ending with a letter or digit",
                ExitCode::InvalidInput);
  if (opts_.interval.count() <= 0) throw Error("availability probe: interval must be positive", ExitCode::InvalidInput);
}

AvailabilityProbe::~AvailabilityProbe() {
  stopping_ = true;
  {
    std::lock_guard lock(wakeMu_);
  }
  wake_.notify_all();
  for (auto& c : channels_)
    if (c->thread.joinable()) c->thread.join();
}

bool AvailabilityProbe::running() const { return started_ && !stopping_; }

void AvailabilityProbe::start() {
  if (started_) throw Error("availability probe " + runId_ + ": started twice");
  started_ = true;
  if (!etcdEndpoints_.empty()) channels_.push_back(etcdChannel(runId_, etcdEndpoints_, etcdTls_, opts_));
  if (api_) channels_.push_back(kubeChannel(runId_, *api_, opts_));
  start_ = Clock::now();
  startedAtMs_ = unixMsNow();
  if (!opts_.journalDir.empty())
    for (auto& c : channels_) {
      try {
        c->journal = std::make_unique<ProbeJournalWriter>(
            probeJournalPath(opts_.journalDir, runId_, c->name),
            ProbeJournalHeader{runId_, c->name, c->target, startedAtMs_, static_cast<double>(opts_.interval.count())});
      } catch (const std::exception& e) {
        logWarning(std::string("availability probe: ") + e.what() +
                   "; the probe goes on without a journal (a kill before its end would lose its figures)");
      }
    }
  for (auto& ch : channels_) {
    detail::ProbeChannel* c = ch.get();
    c->thread = std::thread([this, c] { loop(*c); });
  }
}

// Every interval from the probe's start: one write. A write that overran its slot is followed at once by the next
// (missed slots are skipped, not caught up in a burst). Never throws.
void AvailabilityProbe::loop(detail::ProbeChannel& c) {
  try {
    const double startCpu = threadCpuSeconds();
    int64_t slot = 0, seq = 0;
    for (;;) {
      auto due = start_ + opts_.interval * slot;
      {
        std::unique_lock lock(wakeMu_);
        if (wake_.wait_until(lock, due, [this] { return stopping_.load(); })) break;
      }
      auto t0 = Clock::now();
      ProbeSample s;
      s.t = secondsBetween(start_, t0);
      const std::string value = seqText(seq) + " " + std::to_string(startedAtMs_ + static_cast<int64_t>(s.t * 1000));
      bool acked = false;
      try {
        bool readBack = false;
        double latency = 0;
        acked = c.write(seq, value, readBack, latency);
        if (acked) c.acked[seq] = value;
        s.latencyMs = latency;
        s.ok = readBack;
        if (!readBack) ++c.readBackFailed;
      } catch (const std::exception& e) {
        s.latencyMs = secondsBetween(t0, Clock::now()) * 1000;
        c.lastError = printable(e.what(), 300);
        try {
          c.reset();
        } catch (...) {
        }
      }
      c.series.push_back(s);
      if (c.journal) {
        try {
          c.journal->append({seq, s.t, s.latencyMs, acked, s.ok, value, s.ok ? std::string() : c.lastError});
        } catch (const std::exception& e) {
          logWarning(std::string("availability probe: ") + e.what() + "; its journal stops here");
          c.journal.reset();
        }
      }
      ++seq;
      // The next slot not yet begun.
      auto elapsed = Clock::now() - start_;
      slot = std::max<int64_t>(slot + 1, elapsed / opts_.interval + 1);
    }
    c.cpuSeconds = threadCpuSeconds() - startCpu;
  } catch (...) {
    // Out of memory or worse: the channel stops writing; its figures show where.
    c.lastError = "probe thread ended early";
  }
}

ProbeFigures AvailabilityProbe::stop() {
  if (result_) return *result_;
  ProbeFigures f;
  f.runId = runId_;
  f.startedAtMs = startedAtMs_;
  f.intervalMs = static_cast<double>(opts_.interval.count());
  stopping_ = true;
  {
    std::lock_guard lock(wakeMu_);
  }
  wake_.notify_all();
  for (auto& c : channels_) {
    if (c->thread.joinable()) c->thread.join();
    c->journal.reset();  // closed; the caller removes it once the figures are kept (removeProbeJournals)
  }
  const auto stoppedAt = Clock::now();
  f.durationSeconds = started_ ? secondsBetween(start_, stoppedAt) : 0;

  for (auto& c : channels_) {
    ProbeChannelFigures cf;
    try {
      cf.channel = c->name;
      cf.target = c->target;
      cf.acknowledged = static_cast<int64_t>(c->acked.size());
      cf.readBackFailed = c->readBackFailed;
      cf.cpuSeconds = c->cpuSeconds;
      cf.lastError = c->lastError;
      cf.series = std::move(c->series);
      summarizeSeries(cf, f.durationSeconds);
      checkAcknowledged(cf, c->acked, [&] { return c->readAll(); }, opts_.verifyFor);
      try {
        c->cleanup();
      } catch (const std::exception& e) {
        cf.cleanupError = printable(e.what(), 300);
      }
    } catch (const std::exception& e) {
      cf.checkError = printable(e.what(), 300);
    } catch (...) {
      cf.checkError = "unknown error";
    }
    f.channels.push_back(std::move(cf));
  }
  result_ = f;
  return f;
}

}  // namespace kforge::upgrade
