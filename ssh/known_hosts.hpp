// OpenSSH known_hosts: lookup through libssh2_knownhost_* (plain and hashed entries; "[host]:port" for ports
// other than 22, exactly as OpenSSH), @revoked keys, the strict / accept-new policy, and appending new keys.
//
// Decisions (docs/security.md, "Host keys"):
// - A host known under other key types only (known by its ed25519 key, presenting only an ecdsa key) is refused
//   like a changed key, under strict and accept-new alike: accept-new records keys of NEW hosts only.
// - "@revoked <hosts> <type> <key>" lines are honoured: a revoked key never connects, whatever the policy and even
//   when another line lists it as known. <hosts> are OpenSSH patterns (comma list, '*' and '?', '!' negation, or
//   a hashed |1| entry).
// - "@cert-authority" lines are not supported (libssh2 has no host certificates): they never make a key known
//   and are reported as warnings, as are lines that cannot be parsed.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "ssh/host_key.hpp"

namespace kforge::ssh {

enum class HostKeyStatus {
  Match,               // a line for this host lists this key
  Mismatch,            // lines for this host list other keys of this type
  KnownWithOtherType,  // lines for this host list only keys of other types
  NotFound,            // no line for this host
  Revoked,             // a @revoked line for this host lists this key
};

// A line of the file that names a host (KnownHosts::linesFor).
struct KnownHostLine {
  int line = 0;      // 1-based line number in the file
  std::string type;  // key type
};

class KnownHosts {
 public:
  // Reads path (a missing file is an empty list). Lines that cannot be used (@cert-authority, key types libssh2
  // does not know, malformed lines) are skipped and reported in warnings(), not fatal.
  explicit KnownHosts(std::string path);
  ~KnownHosts();
  KnownHosts(const KnownHosts&) = delete;
  KnownHosts& operator=(const KnownHosts&) = delete;

  HostKeyStatus check(const std::string& host, int port, const HostKey& key) const;
  // Key types ("ssh-ed25519", ...) recorded for host:port, in file order; used to prefer those host key
  // algorithms in the handshake so a host known by its ed25519 key is not offered as "unknown" ecdsa.
  std::vector<std::string> keyTypesFor(const std::string& host, int port) const;
  // The (non-revoked) lines naming host:port, in file order.
  std::vector<KnownHostLine> linesFor(const std::string& host, int port) const;
  // The line number of a @revoked line for host:port listing this key, or 0.
  int revokedLine(const std::string& host, int port, const HostKey& key) const;
  // Appends "<host> <type> <base64>" (plain host field) to the file, creating it (0600) and its directory.
  // Safe against concurrent appends from other threads of this process and other processes (flock).
  void append(const std::string& host, int port, const HostKey& key);

  const std::string& path() const { return path_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string hosts;  // the host field as written (comma list or |1|salt|hash)
    std::string type;   // key type name
    std::string blob;   // decoded key
    int line = 0;
  };
  void addLine(const std::string& line, int lineNo);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::vector<Entry> entries_;
  std::vector<Entry> revoked_;
  std::vector<std::string> warnings_;
  int lineCount_ = 0;
};

// Applies the policy to a host key the server presented. Returns normally when the key is accepted
// (known and matching, or the host unknown under accept-new, in which case it is appended). Throws kforge::Error
// (ExitCode::Unreachable) naming the host, the SHA256 fingerprint and the known_hosts line to check or add.
// Prints the file's warnings first (core/log.hpp, once each).
void verifyHostKey(KnownHosts& kh, HostKeyPolicy policy, const std::string& hostLabel, const std::string& host, int port,
                   const HostKey& key);

}  // namespace kforge::ssh
