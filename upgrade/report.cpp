#include "upgrade/report.hpp"

#include <dirent.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "core/printable.hpp"

namespace kforge::upgrade {

using nlohmann::json;

namespace {

constexpr const char* kKind = "KforgeRunReport";
constexpr int kVersion = 1;
constexpr size_t kDetailBytes = 2000;  // as core/progress.cpp: a step's result or error, e.g. a remote stderr tail

// Text from the inventory, the hosts and the cluster, made valid UTF-8 and bounded before it is stored (and so
// before it reaches a terminal, JSON or the HTML page).
std::string clean(const std::string& s, size_t max = 300) { return printable(s, max, true); }

json timeOrNull(int64_t ms) { return ms ? json(formatUtcMs(ms)) : json(nullptr); }

int64_t timeField(const json& j, const char* key, const std::string& where, bool required) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) throw Error(where + ": no " + key, ExitCode::InvalidInput);
    return 0;
  }
  if (!j[key].is_string()) throw Error(where + ": " + key + " is not a time", ExitCode::InvalidInput);
  auto ms = parseUtcMs(j[key].get<std::string>());
  if (!ms) throw Error(where + ": " + key + " '" + printable(j[key].get<std::string>(), 60) + "' is not an RFC 3339 UTC time",
                       ExitCode::InvalidInput);
  return *ms;
}

std::string str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

double num(const json& j, const char* key) { return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0; }

double round3(double v) { return std::round(v * 1000) / 1000; }

json probeToJson(const ProbeFigures& f) {
  json channels = json::array();
  for (const auto& c : f.channels) {
    json series = json::array();
    for (const auto& s : c.series)
      series.push_back(json::array({round3(s.t), std::round(s.latencyMs * 10) / 10, s.ok ? 1 : 0}));
    channels.push_back({{"channel", c.channel},
                        {"target", c.target},
                        {"attempted", c.attempted},
                        {"acknowledged", c.acknowledged},
                        {"failed", c.failed},
                        {"readBackFailed", c.readBackFailed},
                        {"lost", c.lost},
                        {"verified", c.verified},
                        {"longestGapSeconds", round3(c.longestGapSeconds)},
                        {"longestGapStart", round3(c.longestGapStart)},
                        {"latencyP50Ms", std::round(c.latencyP50Ms * 10) / 10},
                        {"latencyP99Ms", std::round(c.latencyP99Ms * 10) / 10},
                        {"latencyMaxMs", std::round(c.latencyMaxMs * 10) / 10},
                        {"cpuSeconds", round3(c.cpuSeconds)},
                        {"lastError", c.lastError},
                        {"checkError", c.checkError},
                        {"cleanupError", c.cleanupError},
                        {"series", series}});
  }
  return {{"runId", f.runId},
          {"startedAt", timeOrNull(f.startedAtMs)},
          {"durationSeconds", round3(f.durationSeconds)},
          {"intervalMs", f.intervalMs},
          {"recoveredFromJournal", f.recoveredFromJournal},
          {"channels", channels}};
}

ProbeFigures probeFromJson(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": not an object", ExitCode::InvalidInput);
  ProbeFigures f;
  f.runId = str(j, "runId");
  f.startedAtMs = timeField(j, "startedAt", where, false);
  f.durationSeconds = num(j, "durationSeconds");
  f.intervalMs = num(j, "intervalMs");
  f.recoveredFromJournal = j.value("recoveredFromJournal", false);
  if (j.contains("channels") && j["channels"].is_array())
    for (const auto& c : j["channels"]) {
      if (!c.is_object()) throw Error(where + ": a channel is not an object", ExitCode::InvalidInput);
      ProbeChannelFigures cf;
      cf.channel = str(c, "channel");
      cf.target = str(c, "target");
      cf.attempted = static_cast<int64_t>(num(c, "attempted"));
      cf.acknowledged = static_cast<int64_t>(num(c, "acknowledged"));
      cf.failed = static_cast<int64_t>(num(c, "failed"));
      cf.readBackFailed = static_cast<int64_t>(num(c, "readBackFailed"));
      cf.lost = static_cast<int64_t>(num(c, "lost"));
      cf.verified = c.value("verified", false);
      cf.longestGapSeconds = num(c, "longestGapSeconds");
      cf.longestGapStart = num(c, "longestGapStart");
      cf.latencyP50Ms = num(c, "latencyP50Ms");
      cf.latencyP99Ms = num(c, "latencyP99Ms");
      cf.latencyMaxMs = num(c, "latencyMaxMs");
      cf.cpuSeconds = num(c, "cpuSeconds");
      cf.lastError = str(c, "lastError");
      cf.checkError = str(c, "checkError");
      cf.cleanupError = str(c, "cleanupError");
      if (c.contains("series") && c["series"].is_array())
        for (const auto& s : c["series"]) {
          if (!s.is_array() || s.size() != 3 || !s[0].is_number() || !s[1].is_number() || !s[2].is_number())
            throw Error(where + ": a probe sample is not [t, latencyMs, ok]", ExitCode::InvalidInput);
          cf.series.push_back({s[0].get<double>(), s[1].get<double>(), s[2].get<double>() != 0});
        }
      f.channels.push_back(std::move(cf));
    }
  return f;
}

bool safeRunId(const std::string& id) {
  if (id.empty() || id.size() > 64 || id[0] == '.') return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

// A backup id as the catalog makes them (letters, digits, '-', '_', up to 128): the first word of the runner's
// "backup" detail.
std::string backupIdOf(const std::string& detail) {
  std::string id = detail.substr(0, detail.find(' '));
  if (id.empty() || id.size() > 128) return "";
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.'))
      return "";
  return id;
}

std::string newRunId() {
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rd() & 0xffff));
  time_t now = ::time(nullptr);
  tm t{};
  ::gmtime_r(&now, &t);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &t);
  return std::string(stamp) + "-" + suffix;
}

}  // namespace

int64_t unixMsNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string formatUtcMs(int64_t unixMs) {
  time_t secs = static_cast<time_t>(unixMs / 1000);
  int ms = static_cast<int>(unixMs % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  tm t{};
  ::gmtime_r(&secs, &t);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", ms);
  return buf;
}

std::optional<int64_t> parseUtcMs(const std::string& s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return std::nullopt;
  auto Y = digits(0, 4), M = digits(5, 2), D = digits(8, 2), h = digits(11, 2), m = digits(14, 2), sec = digits(17, 2);
  if (!Y || !M || !D || !h || !m || !sec || *M < 1 || *M > 12 || *D < 1 || *D > 31 || *h > 23 || *m > 59 || *sec > 60)
    return std::nullopt;
  size_t pos = 19;
  int ms = 0;
  if (s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    size_t n = pos - start;
    if (n == 0 || n > 9) return std::nullopt;
    std::string frac = s.substr(start, std::min<size_t>(n, 3));
    while (frac.size() < 3) frac += '0';
    ms = std::stoi(frac);
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
  tm t{};
  t.tm_year = *Y - 1900;
  t.tm_mon = *M - 1;
  t.tm_mday = *D;
  t.tm_hour = *h;
  t.tm_min = *m;
  t.tm_sec = *sec;
  return static_cast<int64_t>(::timegm(&t)) * 1000 + ms;
}

json toJson(const RunData& run) {
  json attempts = json::array();
  for (const auto& a : run.attempts) {
    json steps = json::array();
    for (const auto& s : a.steps)
      steps.push_back({{"phase", s.phase},
                       {"host", s.host},
                       {"description", s.description},
                       {"start", timeOrNull(s.startMs)},
                       {"end", timeOrNull(s.endMs)},
                       {"result", s.result},
                       {"detail", s.detail},
                       {"backupId", s.backupId}});
    json gate = json::array();
    for (const auto& g : a.gate)
      gate.push_back({{"check", g.check}, {"host", g.host}, {"result", g.result}, {"message", g.message}});
    attempts.push_back({{"attempt", a.number},
                        {"commandLine", a.commandLine},
                        {"startedAt", timeOrNull(a.startedMs)},
                        {"finishedAt", timeOrNull(a.finishedMs)},
                        {"outcome", a.outcome},
                        {"error", a.error},
                        {"waitingSeconds", std::round(a.waitingSeconds * 1000) / 1000},
                        {"steps", steps},
                        {"gate", gate},
                        {"probe", a.probe ? probeToJson(*a.probe) : json(nullptr)}});
  }
  return {{"kind", kKind},
          {"version", kVersion},
          {"runId", run.runId},
          {"cluster", run.cluster},
          {"commandKey", run.commandKey},
          {"fromVersion", run.fromVersion},
          {"toVersion", run.toVersion},
          {"strategy", run.strategy},
          {"startedAt", timeOrNull(run.startedMs)},
          {"finishedAt", timeOrNull(run.finishedMs)},
          {"outcome", run.outcome},
          {"attempts", attempts}};
}

RunData runFromJson(const json& j) {
  if (!j.is_object() || str(j, "kind") != kKind)
    throw Error(std::string("not a kforge run report (kind is not ") + kKind + ")", ExitCode::InvalidInput);
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != kVersion)
    throw Error("run report version " + (j.contains("version") ? j["version"].dump() : std::string("(none)")) +
                    " is not " + std::to_string(kVersion) + " (written by another kforge?)",
                ExitCode::InvalidInput);
  RunData r;
  r.runId = str(j, "runId");
  if (!safeRunId(r.runId)) throw Error("run report: bad runId", ExitCode::InvalidInput);
  const std::string where = "run report " + r.runId;
  r.cluster = str(j, "cluster");
  r.commandKey = str(j, "commandKey");
  r.fromVersion = str(j, "fromVersion");
  r.toVersion = str(j, "toVersion");
  r.strategy = str(j, "strategy");
  r.startedMs = timeField(j, "startedAt", where, true);
  r.finishedMs = timeField(j, "finishedAt", where, false);
  r.outcome = str(j, "outcome");
  if (!j.contains("attempts") || !j["attempts"].is_array() || j["attempts"].empty())
    throw Error(where + ": no attempts", ExitCode::InvalidInput);
  for (const auto& ja : j["attempts"]) {
    if (!ja.is_object()) throw Error(where + ": an attempt is not an object", ExitCode::InvalidInput);
    Attempt a;
    a.number = ja.value("attempt", static_cast<int>(r.attempts.size()) + 1);
    const std::string aw = where + " attempt " + std::to_string(a.number);
    a.commandLine = str(ja, "commandLine");
    a.startedMs = timeField(ja, "startedAt", aw, true);
    a.finishedMs = timeField(ja, "finishedAt", aw, false);
    a.outcome = str(ja, "outcome");
    a.error = str(ja, "error");
    a.waitingSeconds = num(ja, "waitingSeconds");
    if (ja.contains("steps") && ja["steps"].is_array())
      for (const auto& js : ja["steps"]) {
        if (!js.is_object()) throw Error(aw + ": a step is not an object", ExitCode::InvalidInput);
        StepRecord s;
        s.phase = str(js, "phase");
        s.host = str(js, "host");
        s.description = str(js, "description");
        s.startMs = timeField(js, "start", aw + " step " + s.phase, true);
        s.endMs = timeField(js, "end", aw + " step " + s.phase, false);
        s.result = str(js, "result");
        s.detail = str(js, "detail");
        s.backupId = str(js, "backupId");
        a.steps.push_back(std::move(s));
      }
    if (ja.contains("gate") && ja["gate"].is_array())
      for (const auto& jg : ja["gate"])
        if (jg.is_object()) a.gate.push_back({str(jg, "check"), str(jg, "host"), str(jg, "result"), str(jg, "message")});
    if (ja.contains("probe") && !ja["probe"].is_null()) a.probe = probeFromJson(ja["probe"], aw + " probe");
    r.attempts.push_back(std::move(a));
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------

struct RunReport::Impl {
  std::mutex mu;
  std::string path;
  RunData run;
  std::map<std::string, std::string> pendingBackup;  // host -> backup id not yet given to a step
  std::map<std::string, int64_t> lastEventMs;        // host -> time of its last event
  bool warned = false;

  Attempt& cur() { return run.attempts.back(); }

  // Under mu.
  // Returns whether the file was written.
  bool save(bool mustSucceed = false) {
    try {
      std::string text = toJson(run).dump(1, ' ', false, json::error_handler_t::replace) + "\n";
      writeFileAtomic(path, text, 0600);
      warned = false;
      return true;
    } catch (const std::exception& e) {
      if (mustSucceed) throw Error(std::string("run report: ") + e.what());
      if (!warned)
        logWarning(std::string("run report ") + path + " could not be written (" + e.what() +
                   "); the run goes on and the next change tries again");
      warned = true;
    }
    return false;
  }

  StepRecord* running(const std::string& phase, const std::string& host) {
    auto& steps = cur().steps;
    for (auto it = steps.rbegin(); it != steps.rend(); ++it)
      if (it->result == "running" && it->host == host && (phase.empty() ? it->phase != "backup" : it->phase == phase))
        return &*it;
    return nullptr;
  }
};

RunReport::RunReport(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::string RunReport::runsDir(const std::string& stateDir) { return stateDir + "/runs"; }

std::string RunReport::pathFor(const std::string& stateDir, const std::string& runId) {
  if (!safeRunId(runId))
    throw Error("run id '" + printable(runId, 80) + "' is not a run id (1-64 letters, digits, '.', '_', '-')",
                ExitCode::InvalidInput);
  return runsDir(stateDir) + "/" + runId + ".json";
}

RunData RunReport::load(const std::string& path) {
  std::string text = readFile(path);
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw Error("run report " + path + ": not JSON", ExitCode::InvalidInput);
  RunData r;
  try {
    r = runFromJson(j);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what(), ExitCode::InvalidInput);
  }
  std::string base = path.substr(path.rfind('/') + 1);
  if (base != r.runId + ".json")
    throw Error(path + ": names run " + r.runId + " but the file is " + base, ExitCode::InvalidInput);
  return r;
}

std::vector<RunData> RunReport::list(const std::string& stateDir) {
  std::vector<RunData> out;
  const std::string dir = runsDir(stateDir);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 5 && n[0] != '.' && n.compare(n.size() - 5, 5, ".json") == 0) names.push_back(n);
  }
  ::closedir(d);
  for (const auto& n : names) {
    try {
      out.push_back(load(dir + "/" + n));
    } catch (const std::exception& e) {
      logWarning(std::string("skipping run report: ") + e.what());
    }
  }
  std::sort(out.begin(), out.end(), [](const RunData& a, const RunData& b) {
    return a.startedMs != b.startedMs ? a.startedMs > b.startedMs : a.runId > b.runId;
  });
  return out;
}

RunReport RunReport::resumeOrStart(const std::string& stateDir, const std::string& cluster,
                                   const std::string& commandKey, const std::string& commandLine) {
  auto impl = std::make_shared<Impl>();
  const int64_t now = unixMsNow();
  std::optional<RunData> prev;
  for (auto& r : list(stateDir))
    if (r.cluster == cluster && r.commandKey == commandKey) {
      prev = std::move(r);  // the newest of this cluster and command
      break;
    }
  if (prev && !prev->finished()) {
    impl->run = std::move(*prev);
    Attempt& last = impl->run.attempts.back();
    if (last.outcome == "running") {
      // It died without a word: it ended after its last recorded moment, which is all we know.
      int64_t lastSeen = last.startedMs;
      for (const auto& s : last.steps) lastSeen = std::max({lastSeen, s.startMs, s.endMs});
      for (auto& s : last.steps)
        if (s.result == "running") {
          s.result = "interrupted";
          s.endMs = lastSeen;
          s.detail = "the run stopped during this step (killed or crashed)";
        }
      last.outcome = "interrupted";
      last.finishedMs = lastSeen;
      last.error = "the run stopped without finishing (killed or crashed); continued by attempt " +
                   std::to_string(last.number + 1);
    }
    Attempt a;
    a.number = last.number + 1;
    a.commandLine = clean(commandLine, 4000);
    a.startedMs = now;
    impl->run.attempts.push_back(std::move(a));
    impl->path = pathFor(stateDir, impl->run.runId);
  } else {
    RunData& r = impl->run;
    do {
      r.runId = newRunId();
      impl->path = pathFor(stateDir, r.runId);
    } while (fileExists(impl->path));
    r.cluster = clean(cluster, 200);
    r.commandKey = clean(commandKey, 1000);
    r.startedMs = now;
    Attempt a;
    a.commandLine = clean(commandLine, 4000);
    a.startedMs = now;
    r.attempts.push_back(std::move(a));
  }
  makeDirs(runsDir(stateDir), 0700);
  impl->save(true);
  return RunReport(impl);
}

const std::string& RunReport::runId() const { return impl_->run.runId; }
const std::string& RunReport::path() const { return impl_->path; }

int RunReport::attempt() const {
  std::lock_guard lock(impl_->mu);
  return impl_->cur().number;
}

std::string RunReport::probeId() const { return probeIdOf(attempt()); }

std::string RunReport::probeIdOf(int attempt) const {
  std::string id = runId() + "-a" + std::to_string(attempt);
  for (auto& c : id)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return id;
}

RunData RunReport::data() const {
  std::lock_guard lock(impl_->mu);
  return impl_->run;
}

void RunReport::setVersions(const std::string& from, const std::string& to) {
  std::lock_guard lock(impl_->mu);
  if (impl_->run.fromVersion.empty()) impl_->run.fromVersion = clean(from, 40);
  impl_->run.toVersion = clean(to, 40);
  impl_->save();
}

void RunReport::setStrategy(const std::string& strategy) {
  std::lock_guard lock(impl_->mu);
  impl_->run.strategy = clean(strategy, 60);
  impl_->save();
}

void RunReport::setGateFindings(std::vector<GateRecord> findings) {
  std::lock_guard lock(impl_->mu);
  for (auto& f : findings) {
    f.check = clean(f.check, 100);
    f.host = clean(f.host, 100);
    f.result = clean(f.result, 20);
    f.message = clean(f.message, kDetailBytes);
  }
  impl_->cur().gate = std::move(findings);
  impl_->save();
}

bool RunReport::setProbe(const ProbeFigures& figures, int attempt) {
  std::lock_guard lock(impl_->mu);
  Attempt* a = &impl_->cur();
  if (attempt != 0) {
    auto& all = impl_->run.attempts;
    auto it = std::find_if(all.begin(), all.end(), [&](const Attempt& x) { return x.number == attempt; });
    if (it == all.end()) return false;
    a = &*it;
  }
  ProbeFigures f = figures;
  for (auto& c : f.channels) {
    c.target = clean(c.target, 300);
    c.lastError = clean(c.lastError);
    c.checkError = clean(c.checkError);
    c.cleanupError = clean(c.cleanupError);
  }
  a->probe = std::move(f);
  return impl_->save();
}

void RunReport::stepStarted(const std::string& phase, const std::string& host, const std::string& description) {
  std::lock_guard lock(impl_->mu);
  StepRecord s;
  s.phase = clean(phase, 100);
  s.host = clean(host, 100);
  s.description = clean(description, kDetailBytes);
  s.startMs = unixMsNow();
  impl_->lastEventMs[s.host] = s.startMs;
  if (s.phase != "backup") {
    auto it = impl_->pendingBackup.find(s.host);
    if (it != impl_->pendingBackup.end()) {
      s.backupId = it->second;
      impl_->pendingBackup.erase(it);
    }
  }
  impl_->cur().steps.push_back(std::move(s));
  impl_->save();
}

void RunReport::stepFinished(const std::string& phase, const std::string& host, const std::string& result,
                             const std::string& detail, double durationSeconds) {
  std::lock_guard lock(impl_->mu);
  const int64_t now = unixMsNow();
  const std::string p = clean(phase, 100), h = clean(host, 100);
  StepRecord* s = impl_->running(p, h);
  if (!s) {
    StepRecord n;
    n.phase = p;
    n.host = h;
    n.startMs = now - static_cast<int64_t>(std::max(0.0, durationSeconds) * 1000);
    impl_->cur().steps.push_back(std::move(n));
    s = &impl_->cur().steps.back();
  }
  s->endMs = now;
  s->result = result == "ok" || result == "failed" || result == "skipped" ? result : "failed";
  s->detail = clean(detail, kDetailBytes);
  impl_->lastEventMs[h] = now;
  impl_->save();
}

void RunReport::backupTaken(const std::string& host, const std::string& backupId, const std::string& detail) {
  std::lock_guard lock(impl_->mu);
  const int64_t now = unixMsNow();
  const std::string h = clean(host, 100), id = clean(backupId, 128);
  StepRecord* b = impl_->running("backup", h);  // a backup step opened with its own Started
  if (!b) {
    // The plan runner reports only the backup's end; it ran since this host's last event (the Started of the step
    // it precedes).
    StepRecord n;
    n.phase = "backup";
    n.host = h;
    n.description = "verified etcd backup";
    auto last = impl_->lastEventMs.find(h);
    n.startMs = last != impl_->lastEventMs.end() ? std::min(last->second, now) : now;
    impl_->cur().steps.push_back(std::move(n));
    b = &impl_->cur().steps.back();
  }
  b->endMs = now;
  b->result = "ok";
  b->detail = clean(detail, kDetailBytes);
  b->backupId = id;
  if (StepRecord* s = impl_->running("", h); s && s->backupId.empty())
    s->backupId = id;
  else
    impl_->pendingBackup[h] = id;
  impl_->lastEventMs[h] = now;
  impl_->save();
}

void RunReport::record(const ProgressEvent& e) {
  if (e.step == "backup" && e.status == StepStatus::Ok) {
    if (std::string id = backupIdOf(e.detail); !id.empty()) return backupTaken(e.host, id, e.detail);
  }
  switch (e.status) {
    case StepStatus::Started: stepStarted(e.step, e.host, e.detail); break;
    case StepStatus::Ok: stepFinished(e.step, e.host, "ok", e.detail, e.duration); break;
    case StepStatus::Skipped: stepFinished(e.step, e.host, "skipped", e.detail, e.duration); break;
    case StepStatus::Failed: stepFinished(e.step, e.host, "failed", e.detail, e.duration); break;
  }
}

void RunReport::attach(Progress& progress) {
  auto impl = impl_;
  progress.addListener([impl](const ProgressEvent& e) { RunReport(impl).record(e); });
}

void RunReport::finish(bool ok, const std::string& error, double waitingSeconds) {
  std::lock_guard lock(impl_->mu);
  const int64_t now = unixMsNow();
  Attempt& a = impl_->cur();
  for (auto& s : a.steps)
    if (s.result == "running") {
      s.result = "interrupted";
      s.endMs = now;
    }
  a.outcome = ok ? "succeeded" : "failed";
  a.error = ok ? "" : clean(error, kDetailBytes);
  a.finishedMs = now;
  a.waitingSeconds = waitingSeconds;
  impl_->run.outcome = a.outcome;
  impl_->run.finishedMs = now;
  impl_->save();
}

}  // namespace kforge::upgrade
