#include "ssh/known_hosts.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <libssh2.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "ssh/libssh2_init.hpp"

namespace kforge::ssh {

// libssh2 ties a known-hosts list to a session; a bare (never connected) session serves.
struct KnownHosts::Impl {
  LIBSSH2_SESSION* session = nullptr;
  LIBSSH2_KNOWNHOSTS* hosts = nullptr;
  Impl() {
    ensureLibssh2();
    session = libssh2_session_init();
    if (!session) throw Error("libssh2_session_init failed");
    hosts = libssh2_knownhost_init(session);
    if (!hosts) {
      libssh2_session_free(session);
      throw Error("libssh2_knownhost_init failed");
    }
  }
  ~Impl() {
    if (hosts) libssh2_knownhost_free(hosts);
    if (session) libssh2_session_free(session);
  }
};

static int knownhostKeyType(const std::string& type) {
  if (type == "ssh-ed25519") return LIBSSH2_KNOWNHOST_KEY_ED25519;
  if (type == "ecdsa-sha2-nistp256") return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
  if (type == "ecdsa-sha2-nistp384") return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
  if (type == "ecdsa-sha2-nistp521") return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
  if (type == "ssh-rsa") return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
  if (type == "ssh-dss") return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
  return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
}

KnownHosts::KnownHosts(std::string path) : impl_(std::make_unique<Impl>()), path_(std::move(path)) {
  std::ifstream in(path_);
  if (!in) return;  // missing: empty
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) addLine(line, ++lineNo);
  lineCount_ = lineNo;
}

KnownHosts::~KnownHosts() = default;

namespace {

// Whether a host field names `name` exactly (a comma list of names, or one hashed |1| name), as libssh2 matches
// ordinary lines.
bool fieldNames(const std::string& field, const std::string& name) {
  if (field.rfind("|1|", 0) == 0) return hashedNameMatches(field, name);
  std::istringstream list(field);
  std::string one;
  while (std::getline(list, one, ','))
    if (one == name) return true;
  return false;
}

// OpenSSH host patterns: a comma list of patterns with '*' and '?', where a matching "!pattern" excludes the
// host; or one hashed |1| name. fnmatch(3) does the wildcards ('[', ']' and '\\' are escaped: "[host]:port" is
// literal in known_hosts).
bool fieldMatches(const std::string& field, const std::string& name) {
  if (field.rfind("|1|", 0) == 0) return hashedNameMatches(field, name);
  bool matched = false;
  std::istringstream list(field);
  std::string one;
  while (std::getline(list, one, ',')) {
    bool negated = !one.empty() && one[0] == '!';
    std::string pattern;
    for (char ch : negated ? one.substr(1) : one) {
      if (ch == '[' || ch == ']' || ch == '\\') pattern += '\\';
      pattern += ch;
    }
    if (::fnmatch(pattern.c_str(), name.c_str(), 0) == 0) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

}  // namespace

void KnownHosts::addLine(const std::string& raw, int lineNo) {
  std::string line = raw;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
  size_t start = line.find_first_not_of(" \t");
  if (start == std::string::npos || line[start] == '#') return;
  const std::string at = path_ + ":" + std::to_string(lineNo) + ": ";
  std::istringstream fields(line.substr(start));
  std::string marker, hostsField, type, keyText;
  if (line[start] == '@') fields >> marker;
  fields >> hostsField >> type >> keyText;
  if (marker == "@cert-authority") {
    warnings_.push_back(at + "@cert-authority is not supported (kforge checks host keys, not host certificates); "
                             "line ignored");
    return;
  }
  if (!marker.empty() && marker != "@revoked") {
    warnings_.push_back(at + "unknown marker " + marker.substr(0, 40) + "; line ignored");
    return;
  }
  if (knownhostKeyType(type) == LIBSSH2_KNOWNHOST_KEY_UNKNOWN) {
    warnings_.push_back(at + "key type '" + type.substr(0, 60) + "' is not supported, line ignored");
    return;
  }
  std::string blob;
  if (hostsField.empty() || keyText.empty() || !base64Decode(keyText, blob) || blob.empty()) {
    warnings_.push_back(at + "cannot parse line, ignored");
    return;
  }
  if (marker == "@revoked") {
    revoked_.push_back({hostsField, type, blob, lineNo});
    return;
  }
  std::string text = hostsField + " " + type + " " + keyText;
  int rc = libssh2_knownhost_readline(impl_->hosts, text.c_str(), text.size(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
  if (rc != 0) {
    warnings_.push_back(at + "cannot parse line, ignored");
    return;
  }
  entries_.push_back({hostsField, type, blob, lineNo});
}

int KnownHosts::revokedLine(const std::string& host, int port, const HostKey& key) const {
  std::string name = knownHostsName(host, port);
  for (const auto& r : revoked_)
    if (r.blob == key.blob && fieldMatches(r.hosts, name)) return r.line;
  return 0;
}

HostKeyStatus KnownHosts::check(const std::string& host, int port, const HostKey& key) const {
  if (revokedLine(host, port, key) != 0) return HostKeyStatus::Revoked;
  // OpenSSH semantics: port 22 matches the plain name only, other ports "[host]:port" only. (libssh2's own
  // port handling also falls back to the plain name, which OpenSSH does not.)
  std::string name = knownHostsName(host, port);
  int typemask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownhostKeyType(key.type);
  struct libssh2_knownhost* found = nullptr;
  int rc = libssh2_knownhost_checkp(impl_->hosts, name.c_str(), -1, key.blob.data(), key.blob.size(), typemask, &found);
  switch (rc) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH: return HostKeyStatus::Match;
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: return HostKeyStatus::Mismatch;
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
      // libssh2 looks at lines of the presented key's type only; lines of other types still make the host known.
      return linesFor(host, port).empty() ? HostKeyStatus::NotFound : HostKeyStatus::KnownWithOtherType;
    default: throw Error("known_hosts check failed for " + name);
  }
}

std::vector<KnownHostLine> KnownHosts::linesFor(const std::string& host, int port) const {
  std::string name = knownHostsName(host, port);
  std::vector<KnownHostLine> out;
  for (const auto& e : entries_)
    if (fieldNames(e.hosts, name)) out.push_back({e.line, e.type});
  return out;
}

std::vector<std::string> KnownHosts::keyTypesFor(const std::string& host, int port) const {
  std::vector<std::string> types;
  for (const auto& l : linesFor(host, port))
    if (std::find(types.begin(), types.end(), l.type) == types.end()) types.push_back(l.type);
  return types;
}

void KnownHosts::append(const std::string& host, int port, const HostKey& key) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  const std::string entry = knownHostsLine(host, port, key);
  std::string line = entry + "\n";
  makeDirs(dirName(path_), 0700);
  int fd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("cannot open " + path_ + " to record the host key of " + host + ": " + std::strerror(errno));
  ::flock(fd, LOCK_EX);
  // Keep the file line-oriented if someone left it without a final newline.
  off_t end = ::lseek(fd, 0, SEEK_END);
  if (end > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, end - 1) == 1 && last != '\n') line = "\n" + line;
  }
  ssize_t n = ::write(fd, line.data(), line.size());
  int err = errno;
  ::fsync(fd);
  ::flock(fd, LOCK_UN);
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) throw Error("cannot append to " + path_ + ": " + std::strerror(err));
  addLine(entry, ++lineCount_);
}

// The server-side file holding a key of this type, for the message telling users how to verify it.
static std::string hostKeyFileName(const std::string& type) {
  std::string t = type.rfind("ecdsa", 0) == 0 ? "ecdsa" : type.rfind("ssh-rsa", 0) == 0 ? "rsa" : type.substr(type.find('-') + 1);
  return t;
}

void verifyHostKey(KnownHosts& kh, HostKeyPolicy policy, const std::string& hostLabel, const std::string& host, int port,
                   const HostKey& key) {
  for (const auto& w : kh.warnings()) logWarning(w);
  std::string where = hostLabel + " (" + knownHostsName(host, port) + ")";
  switch (kh.check(host, port, key)) {
    case HostKeyStatus::Match: return;
    case HostKeyStatus::Revoked:
      throw Error(where + ": the " + key.type + " host key it presents (" + key.fingerprint() + ") is REVOKED in " +
                      kh.path() + " line " + std::to_string(kh.revokedLine(host, port, key)) +
                      " — refusing to connect. A revoked key never connects, whatever ssh.hostKeys says. If the host "
                      "has a new key, verify it on the host's console and record it.",
                  ExitCode::Unreachable);
    case HostKeyStatus::KnownWithOtherType: {
      std::string known;
      for (const auto& l : kh.linesFor(host, port))
        known += (known.empty() ? "" : ", ") + l.type + " (" + kh.path() + " line " + std::to_string(l.line) + ")";
      throw Error(where + ": HOST KEY CHANGED — refusing to connect. It is known by its " + known +
                      " key, but presents a " + key.type + " key (" + key.fingerprint() +
                      ") instead. This could be a man-in-the-middle attack offering only a key type it holds, or a "
                      "reinstalled host; ssh.hostKeys: accept-new only records keys of hosts that are not known at "
                      "all. If the host really changed its keys, verify the new fingerprint on its console "
                      "(ssh-keygen -lf /etc/ssh/ssh_host_" + hostKeyFileName(key.type) + "_key.pub), remove the old "
                      "entries (ssh-keygen -R " + knownHostsName(host, port) + " -f " + kh.path() + ") and add:\n  " +
                      knownHostsLine(host, port, key),
                  ExitCode::Unreachable);
    }
    case HostKeyStatus::Mismatch:
      throw Error(where + ": HOST KEY CHANGED — refusing to connect. The " + key.type + " key it presents has fingerprint " +
                      key.fingerprint() + ", which differs from the one recorded in " + kh.path() +
                      ". This could be a man-in-the-middle attack or a reinstalled host. If the host was reinstalled, "
                      "verify the fingerprint on its console (ssh-keygen -lf /etc/ssh/ssh_host_" +
                      hostKeyFileName(key.type) + "_key.pub), remove the old entry (ssh-keygen -R " +
                      knownHostsName(host, port) + " -f " + kh.path() + ") and add:\n  " + knownHostsLine(host, port, key),
                  ExitCode::Unreachable);
    case HostKeyStatus::NotFound:
      if (policy == HostKeyPolicy::AcceptNew) {
        kh.append(host, port, key);
        return;
      }
      throw Error(where + ": host key is not known — refusing to connect (ssh.hostKeys: strict). The " + key.type +
                      " key it presents has fingerprint " + key.fingerprint() +
                      ". Verify it on the host (ssh-keygen -lf /etc/ssh/ssh_host_" + hostKeyFileName(key.type) +
                      "_key.pub), then add this line to " + kh.path() + ":\n  " + knownHostsLine(host, port, key) +
                      "\nor set ssh.hostKeys: accept-new to record keys of new hosts automatically.",
                  ExitCode::Unreachable);
  }
}

}  // namespace kforge::ssh
