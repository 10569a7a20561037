// One authenticated SSH connection to one host (libssh2): TCP connect with timeout and retries, handshake,
// host-key check against OpenSSH known_hosts, public-key auth (key file: ed25519 / ecdsa / rsa, passphrase-protected
// or not; or ssh-agent),
// keepalive. Every blocking libssh2 call is bounded by ioTimeout (libssh2_session_set_timeout).
// A Session is used by one thread at a time; different Sessions may be used concurrently.
#pragma once
#include <libssh2.h>
#include <libssh2_sftp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/inventory.hpp"
#include "ssh/host_key.hpp"
#include "ssh/tcp_connect.hpp"
#include "ssh/tunnel.hpp"

namespace kforge::ssh {

struct Endpoint {
  std::string host;  // address or name
  int port = 22;
};

struct SessionOptions {
  std::string user = "root";
  // Private key file (OpenSSH or PEM format), refused when group or others can read it. Empty: the ssh-agent's
  // identities (SSH_AUTH_SOCK), then ~/.ssh/id_ed25519. A passphrase-protected key is used with `passphrase`,
  // else through the agent's copy of it (ssh-add).
  std::string keyPath;
  std::string passphrase;  // for an encrypted key file: KFORGE_SSH_KEY_PASSPHRASE (fromSpec); never logged
  std::string knownHostsPath;
  HostKeyPolicy hostKeys = HostKeyPolicy::Strict;
  ConnectPolicy connect;                             // TCP connect timeout, attempts, backoff
  std::chrono::milliseconds ioTimeout{30000};        // any single blocking libssh2 call (handshake, auth, sftp)
  std::chrono::milliseconds commandTimeout{600000};  // default for exec()
  int keepaliveSeconds = 15;                         // 0 = off
  // Jump host: the connection to the target is tunnelled through an SSH session to the bastion (direct-tcpip),
  // authenticated with the same key and checked against the same known_hosts. bastionUser empty = user.
  std::optional<Endpoint> bastion;
  std::string bastionUser;

  // From the inventory's ssh section (keyPath and knownHosts with ~ expanded) and the passphrase from the
  // environment variable KFORGE_SSH_KEY_PASSPHRASE.
  static SessionOptions fromSpec(const SshSpec& spec);
};

class Session {
 public:
  // Connects and authenticates, or throws kforge::Error naming `label` (ExitCode::Unreachable for network,
  // host-key and authentication failures).
  static std::unique_ptr<Session> connect(const std::string& label, const Endpoint& endpoint, const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& label() const { return label_; }
  const Endpoint& endpoint() const { return endpoint_; }
  const SessionOptions& options() const { return options_; }
  const HostKey& hostKey() const { return hostKey_; }
  bool isRoot() const { return options_.user == "root"; }

  LIBSSH2_SESSION* raw() const { return session_; }
  int socket() const { return tunnel_ ? tunnel_->fd() : fd_; }
  // The SFTP subsystem channel, opened on first use and kept for the life of the session.
  LIBSSH2_SFTP* sftp();

  // Sends a keepalive when one is due (cheap when not); call between operations.
  void keepalive();
  // Waits until the socket is ready in the directions libssh2 is blocked on, at most until deadline.
  // Returns false when the deadline passed.
  bool waitSocket(std::chrono::steady_clock::time_point deadline) const;
  // libssh2's last error as text ("<message> (<code>)").
  std::string lastError() const;
  // Throws kforge::Error "<label>: <what>: <libssh2 error>".
  [[noreturn]] void fail(const std::string& what, ExitCode code = ExitCode::Failure) const;
  // False once a transport-level failure (timeout, socket error) made the connection unusable.
  bool healthy() const { return healthy_; }
  void markBroken() { healthy_ = false; }

 private:
  Session(std::string label, Endpoint endpoint, SessionOptions options);
  void handshake();
  void verifyHostKey();
  void authenticate();
  // "" when authenticated, else why not. onlyKey: use only the agent identity with this public key blob.
  std::string authenticateWithAgent(const std::optional<std::string>& onlyKey);
  void preferKnownHostKeyTypes();

  std::string label_;
  Endpoint endpoint_;
  SessionOptions options_;
  std::unique_ptr<Tunnel> tunnel_;  // when connected through a bastion (owns the socket)
  int fd_ = -1;                     // direct connection only
  LIBSSH2_SESSION* session_ = nullptr;
  LIBSSH2_SFTP* sftp_ = nullptr;
  HostKey hostKey_;
  bool healthy_ = true;
};

}  // namespace kforge::ssh
