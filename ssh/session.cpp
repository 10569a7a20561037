#include "ssh/session.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "ssh/known_hosts.hpp"
#include "ssh/libssh2_init.hpp"
#include "ssh/private_key_file.hpp"

namespace kforge::ssh {

SessionOptions SessionOptions::fromSpec(const SshSpec& spec) {
  SessionOptions o;
  o.user = spec.user;
  o.keyPath = spec.keyPath.empty() ? "" : expandHome(spec.keyPath);
  // Never on the command line or in the inventory: the environment of the run (docs/inventory.md).
  if (const char* p = std::getenv("KFORGE_SSH_KEY_PASSPHRASE")) o.passphrase = p;
  o.knownHostsPath = expandHome(spec.knownHosts);
  o.hostKeys = spec.hostKeys;
  o.connect.timeout = std::chrono::seconds(spec.connectTimeoutSeconds);
  o.commandTimeout = std::chrono::seconds(spec.commandTimeoutSeconds);
  if (spec.bastion) {
    o.bastion = Endpoint{spec.bastion->address, spec.bastion->port};
    o.bastionUser = spec.bastion->user;
  }
  return o;
}

Session::Session(std::string label, Endpoint endpoint, SessionOptions options)
    : label_(std::move(label)), endpoint_(std::move(endpoint)), options_(std::move(options)) {}

Session::~Session() {
  if (session_) {
    if (sftp_) libssh2_sftp_shutdown(sftp_);
    if (healthy_) {
      // Bounded: a dead peer must not stall teardown.
      libssh2_session_set_timeout(session_, 2000);
      libssh2_session_disconnect(session_, "kforge done");
    }
    libssh2_session_free(session_);
  }
  tunnel_.reset();
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<Session> Session::connect(const std::string& label, const Endpoint& endpoint, const SessionOptions& options) {
  ensureLibssh2();
  // Before any network traffic: a key others can read is refused, as OpenSSH refuses it.
  if (!options.keyPath.empty()) checkClientKeyFile(label, options.keyPath);
  std::unique_ptr<Session> s(new Session(label, endpoint, options));
  if (debugEnabled())
    logDebug(label + ": connecting to " + endpoint.host + ":" + std::to_string(endpoint.port) + " as " + options.user +
             (options.bastion ? " via bastion " + options.bastion->host : ""));
  if (options.bastion) {
    SessionOptions jumpOptions = options;
    jumpOptions.bastion.reset();
    if (!options.bastionUser.empty()) jumpOptions.user = options.bastionUser;
    std::unique_ptr<Session> jump;
    try {
      jump = Session::connect("bastion " + options.bastion->host, *options.bastion, jumpOptions);
    } catch (const Error& e) {
      throw Error(label + ": via " + e.what(), e.code());
    }
    s->tunnel_ = Tunnel::open(std::move(jump), endpoint.host, endpoint.port, label);
  } else {
    s->fd_ = tcpConnect(label, endpoint.host, endpoint.port, options.connect);
  }
  s->session_ = libssh2_session_init();
  if (!s->session_) throw Error(label + ": libssh2_session_init failed");
  libssh2_session_set_blocking(s->session_, 1);
  libssh2_session_set_timeout(s->session_, static_cast<long>(options.ioTimeout.count()));
  s->preferKnownHostKeyTypes();
  s->handshake();
  s->verifyHostKey();
  s->authenticate();
  if (options.keepaliveSeconds > 0) libssh2_keepalive_config(s->session_, 1, static_cast<unsigned>(options.keepaliveSeconds));
  return s;
}

std::string Session::lastError() const {
  char* msg = nullptr;
  int len = 0;
  int code = libssh2_session_last_error(session_, &msg, &len, 0);
  return std::string(msg ? msg : "unknown error", static_cast<size_t>(len)) + " (" + std::to_string(code) + ")";
}

void Session::fail(const std::string& what, ExitCode code) const {
  throw Error(label_ + ": " + what + ": " + lastError(), code);
}

void Session::preferKnownHostKeyTypes() {
  if (options_.knownHostsPath.empty()) return;
  KnownHosts kh(options_.knownHostsPath);
  auto types = kh.keyTypesFor(endpoint_.host, endpoint_.port);
  if (types.empty()) return;
  // Known types first, then the rest: a host known by its ed25519 key must not be checked by its ecdsa key
  // (which would look "unknown"), as OpenSSH orders HostKeyAlgorithms by what known_hosts holds.
  std::vector<std::string> algos;
  auto add = [&](const std::string& a) {
    if (std::find(algos.begin(), algos.end(), a) == algos.end()) algos.push_back(a);
  };
  for (const auto& t : types) {
    if (t == "ssh-rsa") {
      add("rsa-sha2-512");
      add("rsa-sha2-256");
    }
    add(t);
  }
  for (const char* a : {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
                        "rsa-sha2-256", "ssh-rsa"})
    add(a);
  std::string prefs;
  for (const auto& a : algos) prefs += (prefs.empty() ? "" : ",") + a;
  libssh2_session_method_pref(session_, LIBSSH2_METHOD_HOSTKEY, prefs.c_str());
}

void Session::handshake() {
  if (libssh2_session_handshake(session_, socket()) != 0) {
    healthy_ = false;
    fail("SSH handshake with " + endpoint_.host + ":" + std::to_string(endpoint_.port) + " failed", ExitCode::Unreachable);
  }
  size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(session_, &len, &type);
  if (!key || len == 0) fail("server sent no host key", ExitCode::Unreachable);
  hostKey_ = HostKey::fromBlob(std::string(key, len));
}

void Session::verifyHostKey() {
  if (options_.knownHostsPath.empty())
    throw Error(label_ + ": no known_hosts file configured (ssh.knownHosts); refusing to connect without host-key checking",
                ExitCode::Unreachable);
  KnownHosts kh(options_.knownHostsPath);
  ssh::verifyHostKey(kh, options_.hostKeys, label_, endpoint_.host, endpoint_.port, hostKey_);
}

// Whether a private key file holds an RSA key (PEM "BEGIN RSA", or the .pub beside an OpenSSH-format key).
static bool isRsaKeyFile(const std::string& path) {
  std::string head;
  try {
    head = readFile(path).substr(0, 64);
    if (head.find("BEGIN RSA PRIVATE KEY") != std::string::npos) return true;
    if (fileExists(path + ".pub")) return readFile(path + ".pub").rfind("ssh-rsa ", 0) == 0;
  } catch (const Error&) {
  }
  return false;
}

static bool agentAvailable() {
  const char* sock = std::getenv("SSH_AUTH_SOCK");
  return sock && *sock;
}

void Session::authenticate() {
  const std::string& user = options_.user;
  const bool agent = agentAvailable();
  std::string keyPath = options_.keyPath;
  std::string agentWhy = "ssh-agent is not running (SSH_AUTH_SOCK is not set)";
  if (keyPath.empty()) {
    // No ssh.keyPath: the agent's identities, then the default key file, as OpenSSH does.
    if (agent) {
      agentWhy = authenticateWithAgent(std::nullopt);
      if (agentWhy.empty()) return;
    }
    std::string fallback = expandHome("~/.ssh/id_ed25519");
    if (!fileExists(fallback))
      throw Error(label_ + ": no SSH key to log in as " + user + ": ssh.keyPath is not set, " + agentWhy + ", and " +
                      fallback + " does not exist",
                  ExitCode::Unreachable);
    checkClientKeyFile(label_, fallback);
    keyPath = fallback;
  }
  const bool encrypted = isEncryptedKeyFile(keyPath);
  if (encrypted && options_.passphrase.empty()) {
    // The OpenSSH way: the key is loaded in the agent (ssh-add), so use the agent's copy of exactly this key.
    if (agent) {
      agentWhy = authenticateWithAgent(publicKeyBlobBeside(keyPath));
      if (agentWhy.empty()) return;
    }
    throw Error(label_ + ": SSH private key " + keyPath + " is protected by a passphrase (" + agentWhy +
                    "): load it into ssh-agent (ssh-add " + keyPath +
                    ") or give the passphrase in the environment variable KFORGE_SSH_KEY_PASSPHRASE",
                ExitCode::Unreachable);
  }
  int rc = libssh2_userauth_publickey_fromfile_ex(session_, user.c_str(), static_cast<unsigned>(user.size()), nullptr,
                                                   keyPath.c_str(), encrypted ? options_.passphrase.c_str() : nullptr);
  if (rc != 0) {
    if (rc == LIBSSH2_ERROR_TIMEOUT || rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_SEND) healthy_ = false;
    if (encrypted && rc == LIBSSH2_ERROR_FILE)
      throw Error(label_ + ": cannot decrypt SSH private key " + keyPath +
                      " with the passphrase from KFORGE_SSH_KEY_PASSPHRASE (wrong passphrase?)",
                  ExitCode::Unreachable);
#if LIBSSH2_VERSION_NUM < 0x010b00
    if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) {
      if (isRsaKeyFile(keyPath))
        throw Error(label_ + ": public-key authentication as " + user + " with " + keyPath + " failed: " + lastError() +
                        ". This libssh2 (" LIBSSH2_VERSION ") signs RSA keys with ssh-rsa (SHA-1), which OpenSSH 8.8 and "
                        "later refuse by default; use an ed25519 or ecdsa key (ssh-keygen -t ed25519)",
                    ExitCode::Unreachable);
    }
#endif
    fail("public-key authentication as " + user + " with " + keyPath + " failed", ExitCode::Unreachable);
  }
}

std::string Session::authenticateWithAgent(const std::optional<std::string>& onlyKey) {
  const std::string& user = options_.user;
  LIBSSH2_AGENT* agent = libssh2_agent_init(session_);
  if (!agent) return "ssh-agent init failed: " + lastError();
  struct Guard {
    LIBSSH2_AGENT* a;
    ~Guard() {
      libssh2_agent_disconnect(a);
      libssh2_agent_free(a);
    }
  } guard{agent};
  if (libssh2_agent_connect(agent) != 0)
    return "cannot connect to ssh-agent at SSH_AUTH_SOCK=" + std::string(std::getenv("SSH_AUTH_SOCK"));
  if (libssh2_agent_list_identities(agent) != 0) return "cannot list ssh-agent identities: " + lastError();
  libssh2_agent_publickey* id = nullptr;
  int tried = 0;
  while (libssh2_agent_get_identity(agent, &id, id) == 0) {
    if (onlyKey && std::string(reinterpret_cast<const char*>(id->blob), id->blob_len) != *onlyKey) continue;
    ++tried;
    if (libssh2_agent_userauth(agent, user.c_str(), id) == 0) return "";
  }
  if (onlyKey && tried == 0) return "ssh-agent does not hold this key";
  return "public-key authentication as " + user + " failed with " +
         (onlyKey ? std::string("the ssh-agent's copy of the key") : "all " + std::to_string(tried) + " ssh-agent identities");
}

LIBSSH2_SFTP* Session::sftp() {
  if (!sftp_) {
    sftp_ = libssh2_sftp_init(session_);
    if (!sftp_) fail("cannot start the SFTP subsystem");
  }
  return sftp_;
}

void Session::keepalive() {
  if (options_.keepaliveSeconds <= 0 || !healthy_) return;
  int next = 0;
  libssh2_keepalive_send(session_, &next);
}

bool Session::waitSocket(std::chrono::steady_clock::time_point deadline) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  if (left <= 0) return false;
  int dir = libssh2_session_block_directions(session_);
  pollfd p{socket(), 0, 0};
  if (dir & LIBSSH2_SESSION_BLOCK_INBOUND) p.events |= POLLIN;
  if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) p.events |= POLLOUT;
  if (p.events == 0) p.events = POLLIN;
  // Wake at least every 500 ms so a keepalive or a window update is never starved.
  ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 500)));
  return true;
}

}  // namespace kforge::ssh
