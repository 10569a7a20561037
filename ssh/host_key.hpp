// SSH host keys as OpenSSH shows them: key type names, the SHA256 fingerprint ("SHA256:<base64, no padding>"),
// base64 of key blobs, and the known_hosts host field ("host" on port 22, "[host]:port" otherwise; hashed form
// "|1|<salt>|<HMAC-SHA1(salt, name)>").
#pragma once
#include <string>
#include <string_view>

namespace kforge::ssh {

struct HostKey {
  std::string type;  // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ... (the name inside the blob)
  std::string blob;  // raw wire-format public key (RFC 4253 section 6.6)

  // Reads the type name from the blob. Throws kforge::Error when the blob is malformed.
  static HostKey fromBlob(std::string blob);
  // "SHA256:..." exactly as `ssh-keygen -lf` and ssh print it.
  std::string fingerprint() const;
  // "<type> <base64 blob>"
  std::string publicLine() const;
};

// OpenSSH fingerprint of a key blob: "SHA256:" + base64(sha256(blob)) without '=' padding.
std::string sha256Fingerprint(std::string_view blob);

// The host field OpenSSH writes for a host and port: "10.0.0.1" (port 22) or "[10.0.0.1]:2222".
std::string knownHostsName(const std::string& host, int port);
// Hashed host field (HashKnownHosts): "|1|" base64(salt) "|" base64(HMAC-SHA1(key=salt, name)).
// salt must be 20 bytes; an empty salt means "pick a random one".
std::string hashKnownHostsName(const std::string& name, std::string salt = {});
// Whether a hashed field ("|1|salt|hash") names `name`.
bool hashedNameMatches(std::string_view field, const std::string& name);
// A full known_hosts line: "<name> <type> <base64>".
std::string knownHostsLine(const std::string& host, int port, const HostKey& key, bool hashed = false);

}  // namespace kforge::ssh
