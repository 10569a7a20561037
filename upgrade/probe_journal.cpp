#include "upgrade/probe_journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/printable.hpp"

namespace kforge::upgrade {

using nlohmann::json;

namespace {

constexpr const char* kKind = "KforgeProbeJournal";
constexpr int kVersion = 1;
constexpr const char* kSuffix = ".journal";

std::string dumpLine(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

}  // namespace

std::string probeJournalPath(const std::string& dir, const std::string& probeId, const std::string& channel) {
  return dir + "/" + probeId + "." + channel + kSuffix;
}

std::vector<std::string> probeJournalPaths(const std::string& dir, const std::string& probeId) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  const std::string prefix = probeId + ".", suffix = kSuffix;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > prefix.size() + suffix.size() && n.rfind(prefix, 0) == 0 &&
        n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        n.find('.', prefix.size()) == n.size() - suffix.size())  // <probeId>.<channel>.journal, channel without dots
      out.push_back(dir + "/" + n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string removeProbeJournals(const std::string& dir, const std::string& probeId) {
  std::string why;
  for (const auto& p : probeJournalPaths(dir, probeId))
    if (::unlink(p.c_str()) != 0 && errno != ENOENT)
      why += (why.empty() ? "" : "; ") + p + ": " + std::strerror(errno);
  return why;
}

ProbeJournalWriter::ProbeJournalWriter(std::string path, const ProbeJournalHeader& h) : path_(std::move(path)) {
  // O_EXCL: never an existing file; O_NOFOLLOW as well, so a link at the path is refused whatever the flags' order.
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0) throw Error("cannot create the probe journal " + path_ + ": " + std::strerror(errno));
  try {
    if (::fchmod(fd_, 0600) != 0) throw Error("cannot set the mode of " + path_ + ": " + std::strerror(errno));
    writeLine(dumpLine({{"kind", kKind},
                        {"version", kVersion},
                        {"runId", h.runId},
                        {"channel", h.channel},
                        {"target", h.target},
                        {"startedAtMs", h.startedAtMs},
                        {"intervalMs", h.intervalMs}}));
  } catch (...) {
    ::close(fd_);
    ::unlink(path_.c_str());
    fd_ = -1;
    throw;
  }
}

ProbeJournalWriter::~ProbeJournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void ProbeJournalWriter::writeLine(const std::string& line) { writeAll(fd_, line.data(), line.size(), path_); }

void ProbeJournalWriter::append(const ProbeJournalSample& s) {
  if (fd_ < 0) throw Error("probe journal " + path_ + " is not open");
  writeLine(dumpLine(json::array({s.seq, s.t, s.latencyMs, s.acknowledged ? 1 : 0, s.ok ? 1 : 0,
                                  s.acknowledged ? s.value : std::string(), s.ok ? std::string() : s.error})));
}

ProbeJournal readProbeJournal(const std::string& path) {
  ProbeJournal out;
  out.path = path;
  const std::string text = readFileNoFollow(path);
  size_t pos = 0;
  int lineNo = 0;
  auto bad = [&](const std::string& why) {
    return Error("probe journal " + path + " line " + std::to_string(lineNo) + ": " + why, ExitCode::InvalidInput);
  };
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {  // written in part when the process was killed
      out.tornTail = true;
      break;
    }
    ++lineNo;
    json j = json::parse(text.begin() + static_cast<std::ptrdiff_t>(pos), text.begin() + static_cast<std::ptrdiff_t>(nl),
                         nullptr, false);
    pos = nl + 1;
    if (lineNo == 1) {
      if (!j.is_object() || j.value("kind", "") != kKind) throw bad("not a kforge probe journal");
      if (j.value("version", 0) != kVersion) throw bad("journal version " + j.value("version", json()).dump() + " is not 1");
      auto& h = out.header;
      try {
        h.runId = j.at("runId").get<std::string>();
        h.channel = j.at("channel").get<std::string>();
        h.target = j.at("target").get<std::string>();
        h.startedAtMs = j.at("startedAtMs").get<int64_t>();
        h.intervalMs = j.at("intervalMs").get<double>();
      } catch (const json::exception& e) {
        throw bad(std::string("header: ") + e.what());
      }
      continue;
    }
    if (!j.is_array() || j.size() != 7 || !j[0].is_number_integer() || !j[1].is_number() || !j[2].is_number() ||
        !j[3].is_number() || !j[4].is_number() || !j[5].is_string() || !j[6].is_string())
      throw bad("not a sample [seq, t, latencyMs, acknowledged, ok, value, error]");
    ProbeJournalSample s;
    s.seq = j[0].get<int64_t>();
    s.t = j[1].get<double>();
    s.latencyMs = j[2].get<double>();
    s.acknowledged = j[3].get<double>() != 0;
    s.ok = j[4].get<double>() != 0;
    s.value = j[5].get<std::string>();
    s.error = printable(j[6].get<std::string>(), 300);
    out.samples.push_back(std::move(s));
  }
  if (lineNo == 0) throw Error("probe journal " + path + ": no header (killed as it was created?)", ExitCode::InvalidInput);
  return out;
}

}  // namespace kforge::upgrade
