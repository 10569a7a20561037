// OpenSSH known_hosts: lookup through libssh2_knownhost_* (plain and hashed entries; "[host]:port" for ports
// other than 22, exactly as OpenSSH), the strict / accept-new policy, and appending new keys.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "ssh/host_key.hpp"

namespace kforge::ssh {

enum class HostKeyStatus { Match, Mismatch, NotFound };

class KnownHosts {
 public:
  // Reads path (a missing file is an empty list). Lines libssh2 cannot parse (markers like @cert-authority,
  // key types it does not know) are skipped and reported in warnings(), not fatal.
  explicit KnownHosts(std::string path);
  ~KnownHosts();
  KnownHosts(const KnownHosts&) = delete;
  KnownHosts& operator=(const KnownHosts&) = delete;

  HostKeyStatus check(const std::string& host, int port, const HostKey& key) const;
  // Key types ("ssh-ed25519", ...) recorded for host:port, in file order; used to prefer those host key
  // algorithms in the handshake so a host known by its ed25519 key is not offered as "unknown" ecdsa.
  std::vector<std::string> keyTypesFor(const std::string& host, int port) const;
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
  };
  void addLine(const std::string& line, int lineNo);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::vector<Entry> entries_;
  std::vector<std::string> warnings_;
};

// Applies the policy to a host key the server presented. Returns normally when the key is accepted
// (known and matching, or unknown under accept-new, in which case it is appended). Throws kforge::Error
// (ExitCode::Unreachable) naming the host, the SHA256 fingerprint and the known_hosts line to check or add.
void verifyHostKey(KnownHosts& kh, HostKeyPolicy policy, const std::string& hostLabel, const std::string& host, int port,
                   const HostKey& key);

}  // namespace kforge::ssh
